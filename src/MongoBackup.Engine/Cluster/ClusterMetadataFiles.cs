using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Reads one config collection (config.databases, collections, chunks, shards, tags) from a cluster snapshot's metadata
/// folder (<see cref="ClusterMetadataDumper"/>), under the snapshot's data key when it is encrypted, checked against its
/// manifest entry to its end. Small: the whole collection is returned as documents.
/// </summary>
internal static class ClusterMetadataFiles
{
    /// <summary>The documents of config.<paramref name="name"/>, or null when the manifest lists no such file.</summary>
    /// <exception cref="CorruptDumpException">The file is damaged or does not match its manifest entry.</exception>
    public static async Task<List<BsonDocument>?> ReadAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey,
        string name, CancellationToken ct)
    {
        var prefix = manifest.Cluster!.MetadataFolder + "/";
        var wanted = DumpLayout.DataFile("config", name, manifest.Compression);
        var file = manifest.Files.FirstOrDefault(f => f.Path.StartsWith(prefix, StringComparison.Ordinal) && EncryptedLayout.PlainOf(f.Path[prefix.Length..]) == wanted);
        if (file is null) return null;
        var documents = new List<BsonDocument>();
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
        while (await reader.ReadNextAsync(ct) is { } raw) documents.Add(BsonSerializer.Deserialize<BsonDocument>(raw));
        await stored.VerifyToEndAsync(ct);
        return documents;
    }

    /// <summary>The path a missing metadata file would have, for messages: "ID/configsvr/config/NAME.bson[.gz]".</summary>
    public static string PathOf(SnapshotManifest manifest, string name) =>
        $"{manifest.Id}/{manifest.Cluster!.MetadataFolder}/{DumpLayout.DataFile("config", name, manifest.Compression)}";
}
