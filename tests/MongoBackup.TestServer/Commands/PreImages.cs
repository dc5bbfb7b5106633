namespace MongoBackup.TestServer.Commands;

/// <summary>
/// config.system.preimages: where mongod keeps the pre-images of the collections created or modified with
/// changeStreamPreAndPostImages {enabled: true} (src/mongo/db/change_stream_pre_images_collection_manager.cpp).
/// This server takes that option but records no pre-images, so a read of the collection fails instead of finding it empty.
/// </summary>
internal static class PreImages
{
    public const string Namespace = "config.system.preimages";

    public static void RefuseRead(string ns)
    {
        if (ns == Namespace)
            throw new CommandFailure(59, "CommandNotFound",
                $"the in-memory test server does not implement {Namespace}: it keeps the changeStreamPreAndPostImages option but records no pre-images");
    }
}
