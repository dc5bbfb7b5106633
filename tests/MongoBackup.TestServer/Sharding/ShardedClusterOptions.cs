namespace MongoBackup.TestServer.Sharding;

/// <summary>How a <see cref="ShardedCluster"/> is started: how many shards, and what every member shares.</summary>
public sealed record ShardedClusterOptions
{
    /// <summary>The number of shard replica sets (named shard0, shard1, ...); at least 1.</summary>
    public int Shards { get; init; } = 2;

    /// <summary>
    /// What every member takes: authentication (the same root user on each, and on the mongos), TLS, oplog size, server
    /// parameters, log. Its Port is the mongos's (0 picks a free one); the shards and the config server always take free
    /// ports; its ReplicaSetName and ClusterRole are ignored (each member gets its own).
    /// </summary>
    public TestServerOptions Members { get; init; } = new();
}
