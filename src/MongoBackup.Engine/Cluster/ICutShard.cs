namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A shard as <see cref="ClusterCut"/> sees it: its name and the newest entry of its oplog. A full backup's shard copy
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
}
