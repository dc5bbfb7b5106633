using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Repository;

/// <summary>Writes a stream of raw documents into one snapshot file (the oplog, users, roles).</summary>
public static class RawDocumentFileWriter
{
    /// <summary>Writes <paramref name="documents"/> in order into the new file <paramref name="relativePath"/> of <paramref name="files"/> (compressed and encrypted as the set is).</summary>
    /// <returns>How many documents, and their raw BSON bytes (before compression and encryption).</returns>
    /// <exception cref="MongoBackupException">The repository's translated failures; an <see cref="IOException"/> from a folder.</exception>
    public static async Task<(long Documents, long Bytes)> WriteAsync(
        SnapshotFileSet files, string relativePath, IAsyncEnumerable<RawBsonDocument> documents, CancellationToken ct)
    {
        long count = 0, bytes = 0;
        await using var stream = await files.CreateAsync(relativePath, ct);
        await using var writer = new ChunkedStreamWriter(stream, ct);
        await foreach (var document in documents.WithCancellation(ct))
        {
            using (document)
            {
                await RawDocumentBytes.WriteToAsync(document, writer, ct);
                bytes += RawDocumentBytes.Length(document);
                count++;
            }
        }
        await writer.CompleteAsync(ct);
        return (count, bytes);
    }
}
