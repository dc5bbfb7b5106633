using System.Runtime.CompilerServices;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The oplog a point-in-time restore of a cluster replays, whatever it restores into: each shard's own chain (its oplog
/// in the base cluster snapshot, then its part of each cluster slice after it, each entry once) merged into one stream
/// (<see cref="ClusterOplogMerge"/>: migrations' copies left out, a cross-shard transaction given whole in the place of its
/// commitTimestamp once every shard that prepared it has its commit entry, so a replay limited to a moment applies it
/// when it was committed at or before it, its commit entries written later included). Merged once, from the start of the base snapshot's oplogs, since a transaction prepared before the snapshot's
/// cut may commit after it; then split at the cut into the snapshot's part and the slices' part, two segments of one
/// replay. Dispose it after the replay: a replay that stops early leaves the stream open.
/// </summary>
public sealed class ClusterOplogToMoment : IAsyncDisposable
{
    private readonly OplogCutSplit _split;
    private readonly OplogTimestamp _cut;
    private readonly DataKey? _baseKey;

    /// <param name="repository">Where the snapshot and slices are.</param>
    /// <param name="cluster">The base: a full cluster snapshot.</param>
    /// <param name="slices">The cluster slices of the window after it, in chain order.</param>
    /// <param name="keys">The key of an encrypted snapshot or slice (each opens its own data key with it); null when none is.</param>
    /// <param name="ct">Cancels the reading.</param>
    /// <exception cref="MongoBackupException">EncryptionKeyRequired or WrongEncryptionKey (the base snapshot at once, a slice as
    /// the stream reaches it); CorruptFile (as the stream is read) when a file fails its manifest, or a slice has no part for one of the base's shards.</exception>
    public ClusterOplogToMoment(ISnapshotRepository repository, SnapshotManifest cluster, IReadOnlyList<SnapshotManifest> slices,
        EncryptionKeySource? keys, CancellationToken ct)
    {
        _baseKey = SnapshotEncryption.Open(cluster, keys);
        var shards = cluster.Cluster!.Shards.Select(shard => ShardChainAsync(repository, cluster, _baseKey, shard, slices, keys, ct)).ToList();
        _cut = cluster.ConsistentAt!.Timestamp;
        _split = new OplogCutSplit(ClusterOplogMerge.MergeAsync(shards, ct), _cut, ct);
        Name = $"the oplogs of cluster snapshot {cluster.Id}'s shards";
    }

    /// <summary>"the oplogs of cluster snapshot ID's shards", for messages.</summary>
    public string Name { get; }

    /// <summary>The merged entries up to the base snapshot's cut (the first one after it ends this part). Read it first, once.</summary>
    public OplogSegment Snapshot => new(Name, _split.BeforeCut());

    /// <summary>The merged entries after that, up to <paramref name="limit"/>. Read it after <see cref="Snapshot"/>, once.</summary>
    public OplogSegment Slices(OplogLimit limit) => new($"the cluster's oplog slices after snapshot cut {_cut}", _split.AfterCut()) { Limit = limit };

    /// <summary>
    /// One shard's entries in timestamp order, each once: its oplog in the base snapshot, then its part of each slice
    /// (slices may overlap). Each file holds the entries up to its own cut, then the late commit entries of transactions
    /// prepared by that cut and committed at or before it (<see cref="PreparedAtCut"/>), which the next file holds again in
    /// their place: a late commit waits until the next file reaches its timestamp, so no entry between the cut and it is lost.
    /// </summary>
    private static async IAsyncEnumerable<byte[]> ShardChainAsync(ISnapshotRepository repository, SnapshotManifest cluster, DataKey? baseKey,
        ShardSection shard, IReadOnlyList<SnapshotManifest> slices, EncryptionKeySource? keys, [EnumeratorCancellation] CancellationToken ct)
    {
        var chain = new ShardOplogChain();
        await foreach (var entry in SnapshotDumpReader.ReadOplogAsync(repository, ShardSnapshotViews.Of(cluster, shard), baseKey, ct))
            foreach (var given in chain.Take(entry, cluster.ConsistentAt!.Timestamp)) yield return given;
        foreach (var slice in slices)
        {
            var part = slice.Cluster?.Shards.FirstOrDefault(s => s.Name == shard.Name)
                ?? throw new MongoBackupException(ErrorIds.CorruptFile, $"Cluster oplog slice {slice.Id} holds no part for shard {shard.Name} of snapshot {cluster.Id}.", target: slice.Id);
            await foreach (var entry in SliceEntries.ReadPartsAsync(repository, [(slice, ShardSnapshotViews.Of(slice, part))], keys, ct))
                foreach (var given in chain.Take(entry, slice.ConsistentAt!.Timestamp)) yield return given;
        }
        foreach (var given in chain.Rest()) yield return given;
    }

    /// <summary>Closes every file still open, then forgets the base snapshot's data key.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await _split.DisposeAsync(); }
        finally { _baseKey?.Dispose(); }
    }
}
