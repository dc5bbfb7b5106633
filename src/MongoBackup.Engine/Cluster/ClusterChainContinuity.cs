using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Whether a cluster continues the chain a cluster slice would extend, the cluster's counterpart of
/// <see cref="ChainContinuity"/>. A repository holds one cluster chain (<see cref="SliceChainEnd.ChainIn"/>), and two
/// clusters may name their shards alike (shard0, shard1 in staging and production): a slice of the other one would hold
/// its writes, and a point-in-time restore of the chain would replay them. A cut is no entry on every shard, so the chain
/// is tied to its cluster twice: by the cluster's identity (config.version's clusterId, <see cref="ClusterIdentity"/>) the
/// snapshot it ends with records, and per shard by the newest entry at or before a cut of the chain
/// (<see cref="ShardSection.LastEntryAtCut"/>, or in older manifests the last entry a snapshot saved from it), which that
/// shard's oplog must hold, timestamp and wall time, when it reaches back that far (as a replica set's must hold its
/// chain's end). The second also ties a chain whose snapshots record no identity (written before it was recorded) and a
/// copy of the cluster (restored from its config server's backup, so of the same id) whose oplogs went their own way.
/// </summary>
internal static class ClusterChainContinuity
{
    /// <summary>
    /// Refuses a slice of another cluster than the chain's, or of other shards than those of the snapshot it ends with;
    /// returns the cluster's id (null when it cannot be read) and each shard's anchor for <see cref="RequireShardsContinueAsync"/>.
    /// </summary>
    /// <exception cref="MongoBackupException">NoBaseSnapshot naming the snapshot the chain ends with, the cluster or the shard.</exception>
    public static async Task<(string? ClusterId, IReadOnlyList<ShardAnchor> Anchors)> RequireSameClusterAsync(SnapshotCatalog catalog, ServerTopology topology,
        OplogTimestamp chainEnd, IMongoClient mongos, string mongosName, IReadOnlyList<ShardTarget> targets, CancellationToken ct)
    {
        var location = catalog.Repository.Location;
        // Slices as well as fulls (the chain may end at either), so not SnapshotManifest.IsChainFull: only copy-only fulls are left out.
        var chain = SliceChainEnd.ChainIn(await catalog.CompleteAsync(ct), topology).Where(s => s.Cluster is not null && !s.CopyOnly).ToList();
        var last = chain.FirstOrDefault(s => (s.Kind == SnapshotKind.Oplog ? s.OplogEnd : s.ConsistentAt?.Timestamp) == chainEnd);
        var clusterId = await ClusterIdentity.ReadAsync(mongos, ct);
        if (last is not null)
        {
            if (last.Cluster!.ClusterId is { } recorded && clusterId is not null && !string.Equals(recorded, clusterId, StringComparison.OrdinalIgnoreCase))
                throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
                    $"The cluster behind {mongosName} (clusterId {clusterId} in config.version) is not the cluster whose oplog chain in {location} ends with " +
                    $"snapshot {last.Id} (clusterId {recorded}): a slice of it would hold another cluster's writes, which a point-in-time restore of that chain " +
                    "would replay. Nothing was written. Back up each cluster into a repository of its own.", target: location);
            RequireSameShards(last, targets, location);
        }
        // Each an entry of that shard: the one at the cut a snapshot recorded, or (in manifests written before that) the last one it saved.
        var anchors = chain.Where(s => s.Cluster!.ClusterTime.Timestamp <= chainEnd)
            .SelectMany(s => s.Cluster!.Shards.SelectMany(p => new[] { p.LastEntryAtCut, p.OplogEntries > 0 ? p.ConsistentAt : null }
                .OfType<ConsistencyPoint>().Select(entry => new ShardAnchor(p.Name, s.Id, entry))))
            .GroupBy(a => a.Shard, StringComparer.Ordinal)
            .Select(g => g.MaxBy(a => a.Entry.Timestamp)!)
            .ToList();
        return (clusterId, anchors);
    }

    /// <summary>Refuses a slice when a shard's oplog reaches back before its anchor but does not hold that entry.</summary>
    /// <exception cref="MongoBackupException">NoBaseSnapshot naming the shard, the entry and the snapshot that saved it.</exception>
    public static async Task RequireShardsContinueAsync(IEnumerable<ShardOplog> shards, IReadOnlyList<ShardAnchor> anchors, string location, CancellationToken ct)
    {
        foreach (var shard in shards)
        {
            if (anchors.FirstOrDefault(a => a.Shard == shard.Target.Name) is not { } anchor || await shard.ContinuesFromAsync(anchor.Entry, ct)) continue;
            throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
                $"The oplog of shard {shard.Target.Name} (replica set '{shard.Topology.ReplicaSetName}', {string.Join(", ", shard.Topology.Hosts)}) reaches back " +
                $"before the entry snapshot {anchor.SnapshotId} in {location} recorded as shard {anchor.Shard}'s at its cut ({anchor.Entry.Timestamp}, {anchor.Entry.WallTime:u}), " +
                "but does not hold it: it is a shard of another cluster whose shards have the same names, or it rolled back past that entry. " +
                "Nothing was written. Back up each cluster into a repository of its own.", target: location);
        }
    }

    /// <summary>
    /// The cluster's shards must be those of the snapshot its chain ends with: a shard added since has no full copy to
    /// continue (its data came by migrations, which a replay leaves out), and one removed would leave its part unsaved.
    /// </summary>
    private static void RequireSameShards(SnapshotManifest last, IReadOnlyList<ShardTarget> targets, string location)
    {
        var before = last.Cluster!.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var now = targets.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var added = now.Except(before).FirstOrDefault();
        var gone = before.Except(now).FirstOrDefault();
        if (added is null && gone is null) return;
        throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
            (added is not null ? $"Shard {added} joined the cluster after snapshot {last.Id}, where its chain in {location} ends: it has no full copy to continue from."
                : $"Shard {gone} of snapshot {last.Id}, where the cluster's chain in {location} ends, is no longer in the cluster (listShards).") +
            " Take a new full backup of the cluster (Backup-MongoDatabase), which starts a new chain.", target: added ?? gone);
    }
}

/// <summary>The newest entry of one shard a snapshot of a cluster's chain recorded: that shard's oplog must hold it while it reaches back that far.</summary>
/// <param name="Shard">The shard's name (config.shards _id).</param>
/// <param name="SnapshotId">The snapshot that saved it.</param>
/// <param name="Entry">Its timestamp and wall time.</param>
internal sealed record ShardAnchor(string Shard, string SnapshotId, ConsistencyPoint Entry);
