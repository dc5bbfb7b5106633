namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A shard as <see cref="ClusterCut"/> sees it: its name, the newest entry of its oplog and its majority commit point. A full backup's shard copy
/// (<see cref="ShardCopy"/>) and an oplog slice's shard (<see cref="ShardOplog"/>) are both cut this way.
/// </summary>
internal interface ICutShard
{
    /// <summary>The shard, as config.shards names it.</summary>
    ShardTarget Target { get; }

    /// <summary>The shard's newest oplog entry, with its wall time.</summary>
    Task<ConsistencyPoint> NewestPointAsync(CancellationToken ct);

    /// <summary>The shard's newest oplog entry (what it has passed).</summary>
    Task<OplogTimestamp> NewestAsync(CancellationToken ct);

    /// <summary>The shard's majority commit point (<see cref="Oplog.MajorityCommitPoint"/>); null when it reports none.</summary>
    Task<OplogTimestamp?> CommitPointAsync(CancellationToken ct);
}
