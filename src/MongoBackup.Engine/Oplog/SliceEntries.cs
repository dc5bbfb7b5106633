using System.Runtime.CompilerServices;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Reads the oplog entries stored in a chain of slices, in order, straight from the repository. Slices may overlap
/// (two captures ran at once, see <see cref="Repository.OplogChain"/>): each entry is given once, the first time its
/// timestamp comes; an entry at or before the last timestamp already given is skipped, since the oplog orders entries
/// by timestamp and no two share one.
/// </summary>
public static class SliceEntries
{
    /// <summary>
    /// Each entry of <paramref name="slices"/> (in chain order) once, as raw BSON, decrypting with <paramref name="keys"/>
    /// and checking every file against its manifest as it streams.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile naming the slice file that fails its size, hash or parse;
    /// EncryptionKeyRequired or WrongEncryptionKey for an encrypted slice.</exception>
    public static IAsyncEnumerable<byte[]> ReadAsync(ISnapshotRepository repository, IEnumerable<SnapshotManifest> slices,
        EncryptionKeySource? keys, CancellationToken ct) =>
        ReadPartsAsync(repository, slices.Select(s => (s, s)), keys, ct);

    /// <summary>
    /// As <see cref="ReadAsync"/>, reading from each slice one part: a cluster slice's shard (its view,
    /// <see cref="ShardSnapshotViews.Of(SnapshotManifest, ShardSection)"/>), whose files are under the slice's own data
    /// key, opened from the slice's sealed manifest.
    /// </summary>
    /// <exception cref="MongoBackupException">As <see cref="ReadAsync"/>.</exception>
    public static async IAsyncEnumerable<byte[]> ReadPartsAsync(ISnapshotRepository repository,
        IEnumerable<(SnapshotManifest Slice, SnapshotManifest Part)> parts, EncryptionKeySource? keys, [EnumeratorCancellation] CancellationToken ct)
    {
        OplogTimestamp? last = null;
        foreach (var (slice, part) in parts)
        {
            var file = part.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog)
                ?? throw new MongoBackupException(ErrorIds.CorruptFile, $"Oplog slice {slice.Id} in {repository.Location} lists no oplog file{(part.StoredUnder.Length > 0 ? $" under {part.StoredUnder}" : "")}.", target: slice.Id);
            using var dataKey = SnapshotEncryption.Open(slice, keys);
            // Each slice's entries are checked against the range and count its own manifest records; then repeats are skipped.
            await foreach (var entry in SnapshotDumpReader.ReadOplogAsync(repository, part, dataKey, ct))
            {
                var ts = TimestampOf(entry, $"{slice.Id}/{part.StoredUnder}{file.Path}");
                if (last is { } given && ts <= given) continue;
                last = ts;
                yield return entry;
            }
        }
    }

    private static OplogTimestamp TimestampOf(byte[] entry, string file)
    {
        using var document = new RawBsonDocument(entry);
        return document.TryGetValue("ts", out var ts) && ts is BsonTimestamp timestamp
            ? OplogTimestamp.FromBsonTimestamp(timestamp)
            : throw new MongoBackupException(ErrorIds.CorruptFile, $"An oplog entry in {file} has no timestamp (ts).", target: file);
    }
}
