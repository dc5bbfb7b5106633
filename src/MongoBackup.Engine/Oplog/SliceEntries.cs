using System.Runtime.CompilerServices;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>Reads the oplog entries stored in a chain of slices, in order, straight from the repository.</summary>
public static class SliceEntries
{
    public static async IAsyncEnumerable<byte[]> ReadAsync(
        ISnapshotRepository repository, IEnumerable<SnapshotManifest> slices, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var slice in slices)
        {
            var file = slice.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog)
                ?? throw new MongoBackupException(ErrorIds.CorruptFile, $"Oplog slice {slice.Id} in {repository.Location} lists no oplog file.", target: slice.Id);
            await using var stored = await repository.OpenReadAsync(slice.Id, file.Path, ct);
            await using var plain = CompressionCodec.WrapForRead(stored, slice.Compression);
            using var reader = new BsonDocumentReader(plain, $"{slice.Id}/{file.Path}");
            while (await reader.ReadNextAsync(ct) is { } entry)
                yield return entry;
        }
    }
}
