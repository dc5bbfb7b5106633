namespace MongoBackup.Engine.Formats;

/// <summary>
/// A damaged gzip or zstd stream fails inside the decompressor, not the BSON reader; this turns that
/// failure into the same <see cref="CorruptDumpException"/> (file and offset) a damaged document gives.
/// </summary>
internal static class DecompressionFailures
{
    public static async ValueTask<byte[]?> ReadNextAsync(BsonDocumentReader reader, string file, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            throw new CorruptDumpException(file, reader.Position, $"the compressed data is damaged: {e.Message}", e);
        }
    }
}
