using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Model;
using MongoBackup.TestServer.Sharding;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Connection;

/// <summary>What the engine makes of the server it reaches: a mongos (the test server's sharded mode) is refused, by name.</summary>
public sealed class ServerTopologyTests
{
    [Fact]
    public async Task A_mongos_is_refused_as_a_sharded_cluster_and_its_shards_are_replica_sets()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using (var mongos = new MongoClient(cluster.ConnectionString))
        {
            var refused = await Assert.ThrowsAsync<MongoBackupException>(() => ServerTopology.DiscoverAsync(mongos, CancellationToken.None));
            Assert.Equal(ErrorIds.ShardedClusterNotSupported, refused.ErrorId);
        }
        using var shard = new MongoClient(cluster.Shards[1].ConnectionString);
        var topology = await ServerTopology.DiscoverAsync(shard, CancellationToken.None);
        Assert.Equal(TopologyKind.ReplicaSet, topology.Kind);
        Assert.Equal("shard1", topology.ReplicaSetName);
    }
}
