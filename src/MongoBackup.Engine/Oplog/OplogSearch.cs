using System.Runtime.CompilerServices;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Searches the oplog a repository holds (its oplog slices and its full snapshots' own oplog) for operations, so that
/// the moment of a mistake (a dropped collection) can be found when the server, or its oplog, is gone. The files are
/// read one at a time, in order of where they start, each streamed, checked against its manifest and decrypted as a
/// restore reads it (<see cref="SnapshotDumpReader.ReadOplogAsync(ISnapshotRepository, SnapshotManifest, Security.DataKey?, CancellationToken)"/>);
/// where they overlap (a full snapshot's oplog and the slices of the same span) each entry is given once, the first
/// time its timestamp comes, as <see cref="SliceEntries"/> gives a chain's entries.
/// </summary>
public static class OplogSearch
{
    /// <summary>
    /// The snapshots whose oplog a search reads: the complete full snapshots and slices of one source that hold oplog
    /// entries (a cluster's are left out: their oplog is per shard, see <see cref="ClusterSnapshots"/>).
    /// </summary>
    /// <param name="snapshots">The repository's complete snapshots.</param>
    /// <param name="sourceId">The source to search (<see cref="SourceGroup.SourceId"/>); null when the repository holds oplog of one source only.</param>
    /// <param name="repository">The repository's location, for messages.</param>
    /// <exception cref="MongoBackupException">InvalidArgument: no source has that id, or several sources hold oplog and none was named (the message lists them).</exception>
    public static IReadOnlyList<SnapshotManifest> SnapshotsOf(IReadOnlyList<SnapshotManifest> snapshots, string? sourceId, string repository)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var chosen = RestoreSourceChoice.Of(snapshots.ToList(), sourceId, repository);
        if (sourceId is null)
        {
            var holding = SnapshotSources.Group(chosen).Where(g => g.Snapshots.Any(HoldsOplog)).ToList();
            if (holding.Count > 1)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"{repository} holds the oplog of {holding.Count} sources: {string.Join("; ", holding.Select(g => g.Describe()))}. " +
                    $"Which one to search cannot be told: name it with -SourceId, e.g. -SourceId {holding[0].SourceId}.", target: repository);
        }
        return chosen.Where(HoldsOplog).OrderBy(Start).ThenByDescending(s => s.OplogEnd!.Value).ToList();
    }

    /// <summary>The complete cluster snapshots among <paramref name="snapshots"/> (a search does not read their per-shard oplog).</summary>
    public static IReadOnlyList<SnapshotManifest> ClusterSnapshots(IEnumerable<SnapshotManifest> snapshots) =>
        snapshots.Where(s => s.Cluster is not null && s.OplogEnd is not null).ToList();

    /// <summary>
    /// The operations in the oplog of <paramref name="snapshots"/> (as <see cref="SnapshotsOf"/> gives them) that
    /// <paramref name="filter"/> keeps, in timestamp order; the operations inside one entry (a transaction's) in their order there.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile naming the file that fails its size, hash or parse;
    /// EncryptionKeyRequired or WrongEncryptionKey for an encrypted snapshot without its key.</exception>
    public static async IAsyncEnumerable<FoundOplogEntry> FindAsync(ISnapshotRepository repository, IReadOnlyList<SnapshotManifest> snapshots,
        EncryptionKeySource? keys, OplogSearchFilter filter, Events.IEngineObserver observer, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(observer);
        OplogTimestamp? last = null;
        foreach (var snapshot in snapshots)
        {
            if (filter.PastEnd(Start(snapshot))) yield break;
            var end = snapshot.OplogEnd!.Value;
            // Everything it holds was given already (another file held the same span) or lies before -After: not read.
            if ((last is { } given && end <= given) || filter.EndsBeforeStart(end)) continue;
            observer.Verbose($"Searching the oplog of {(snapshot.Kind == SnapshotKind.Full ? "full snapshot" : "oplog slice")} {snapshot.Id} ({Start(snapshot)} to {end}).");
            using var dataKey = SnapshotEncryption.Open(snapshot, keys);
            await foreach (var raw in SnapshotDumpReader.ReadOplogAsync(repository, snapshot, dataKey, ct))
            {
                using var entry = new RawBsonDocument(raw);
                var ts = entry.TryGetValue("ts", out var value) && value is BsonTimestamp t ? OplogTimestamp.FromBsonTimestamp(t)
                    : throw new MongoBackupException(ErrorIds.CorruptFile, $"An oplog entry in snapshot {snapshot.Id} has no timestamp (ts).", target: snapshot.Id);
                if (last is { } previous && ts <= previous) continue;
                last = ts;
                if (filter.PastEnd(ts)) yield break;
                if (!filter.InSpan(entry)) continue;
                if (entry.GetValue("op", BsonNull.Value) is BsonString { Value: var op } && entry.GetValue("ns", BsonNull.Value) is BsonString { Value: var ns }
                    && !filter.MayMatch(op, ns)) continue;
                foreach (var found in FoundOplogEntry.Of(entry, snapshot.Id))
                    if (filter.Matches(found)) yield return found;
            }
        }
    }

    private static bool HoldsOplog(SnapshotManifest s) =>
        s.Cluster is null && s.OplogEnd is not null && s.Kind is SnapshotKind.Full or SnapshotKind.Oplog
        && s.Files.Any(f => f.Kind == ManifestFileKind.Oplog);

    /// <summary>Where a snapshot's entries start: its first entry, else the end of the slice before it.</summary>
    private static OplogTimestamp Start(SnapshotManifest s) => s.OplogStart ?? s.PreviousSliceEnd ?? s.OplogEnd!.Value;
}
