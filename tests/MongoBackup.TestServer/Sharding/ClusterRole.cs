namespace MongoBackup.TestServer;

/// <summary>
/// A mongod's place in a sharded cluster, as its --shardsvr / --configsvr options set it (sharding.clusterRole in
/// getCmdLineOpts). Declared beside <see cref="TestServerOptions"/>'s namespace because that public record carries it.
/// </summary>
public enum ClusterRole
{
    /// <summary>A replica set or standalone outside any cluster.</summary>
    None,

    /// <summary>A shard's replica set member: it accepts the router's prepareTransaction.</summary>
    ShardServer,

    /// <summary>A config server replica set member: its hello says configsvr: 2; it holds the config database.</summary>
    ConfigServer,
}
