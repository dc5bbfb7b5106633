using System.Runtime.CompilerServices;
using MongoBackup.Engine.Security;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>Reads the oplog entries stored in a chain of slices, in order, straight from the repository.</summary>
public static class SliceEntries
{
    public static async IAsyncEnumerable<byte[]> ReadAsync(ISnapshotRepository repository, IEnumerable<SnapshotManifest> slices,
        EncryptionKeySource? keys, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var slice in slices)
        {
            var file = slice.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog)
                ?? throw new MongoBackupException(ErrorIds.CorruptFile, $"Oplog slice {slice.Id} in {repository.Location} lists no oplog file.", target: slice.Id);
            using var dataKey = SnapshotEncryption.Open(slice, keys);
            await foreach (var entry in SnapshotDumpReader.ReadOplogAsync(repository, slice, dataKey, ct))
                yield return entry;
        }
    }
}
