using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Invoke-MongoBackupPolicy given a mongos: a full cluster backup when one is due (the balancer stopped for it with
/// StopBalancer and started again, refused while it runs without), a cluster slice in between whatever the balancer
/// does, nothing when no shard wrote, and retention over the cluster's chain.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterPolicyTests(MongoServerFixture server)
{
    [Fact]
    public async Task A_policy_on_a_mongos_takes_a_full_then_slices_then_a_new_full_and_keeps_the_chain_retention_leaves()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument("balancerStart", 1));
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var request = Policy(cluster) with { StopBalancer = true, Retention = new RetentionRules { KeepLast = 1 } };

        var first = await Run(request, clock);
        Assert.Equal(PolicyAction.Full, first.Action);
        Assert.NotNull(first.Snapshot!.Cluster);
        Assert.Equal("full", cluster.BalancerMode);

        await cluster.Orders.InsertManyAsync([new BsonDocument { { "_id", -1 }, { "qty", 1 } }, new BsonDocument { { "_id", 9_001 }, { "qty", 1 } }]);
        var second = await Run(request, clock);
        Assert.Equal(PolicyAction.Slice, second.Action);
        Assert.Equal(SnapshotKind.Oplog, second.Snapshot!.Kind);
        Assert.All(second.Snapshot.Cluster!.Shards, s => Assert.True(s.OplogEntries > 0, $"{s.Name}: no entry"));
        Assert.Equal(first.Snapshot.ConsistentAt!.Timestamp, second.Snapshot.PreviousSliceEnd);
        Assert.Equal(PolicyAction.Nothing, (await Run(request, clock)).Action);

        clock.Advance(TimeSpan.FromHours(25));
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -2 }, { "qty", 1 } });
        var third = await Run(request, clock);
        Assert.Equal(PolicyAction.Full, third.Action);
        Assert.Equal([first.Snapshot.Id, second.Snapshot.Id], third.Removed.Order());
        Assert.Equal("full", cluster.BalancerMode);

        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", 9_002 }, { "qty", 1 } });
        var fourth = await Run(request); // the system clock again: the new full started just now
        Assert.Equal(PolicyAction.Slice, fourth.Action);
        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)));
        Assert.Equal((third.Snapshot!.Id, fourth.Snapshot!.OplogEnd), (window.BaseSnapshot.Id, (OplogTimestamp?)window.To));
        var restored = await cluster.RestoredAtAsync(server, OplogLimit.AtClusterTime(window.To));
        Assert.Equal(await cluster.Orders.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty), restored.Count);
    }

    [Fact]
    public async Task A_due_full_is_refused_while_the_balancer_runs_without_StopBalancer_and_a_slice_is_taken_whatever_it_does()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument("balancerStart", 1));
        var request = Policy(cluster);

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => Run(request));
        Assert.Equal(ErrorIds.BalancerRunning, refused.ErrorId);
        Assert.Empty(cluster.SnapshotFolders);
        Assert.Equal("full", cluster.BalancerMode);

        cluster.RunAdmin(new BsonDocument("balancerStop", 1));
        Assert.Equal(PolicyAction.Full, (await Run(request)).Action);
        cluster.RunAdmin(new BsonDocument("balancerStart", 1));
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -1 }, { "qty", 1 } });
        var slice = await Run(request);
        Assert.Equal(PolicyAction.Slice, slice.Action);
        Assert.Equal("full", cluster.BalancerMode);
    }

    [Fact]
    public async Task A_cluster_policys_retention_in_a_repository_shared_with_a_replica_set_never_removes_the_sets_snapshots()
    {
        using var cluster = new TwoShardCluster();
        var database = TestDatabases.NewName("shared_cluster");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));
        var setBackup = new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, Repository = cluster.Repository,
            Filter = new NamespaceFilter(databases: [database]),
        };
        var setOld = await new BackupRunner(new RecordingObserver()).RunAsync(setBackup, CancellationToken.None);
        var setNew = await new BackupRunner(new RecordingObserver()).RunAsync(setBackup, CancellationToken.None);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var request = Policy(cluster) with { Retention = new RetentionRules { KeepLast = 1 } };

        var first = await Run(request, clock);
        clock.Advance(TimeSpan.FromHours(25));
        var second = await Run(request, clock);

        Assert.Equal(PolicyAction.Full, second.Action);
        Assert.Equal([first.Snapshot!.Id], second.Removed);
        Assert.StartsWith("the sharded cluster of clusterId ", second.RetentionSource);
        var left = (await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)).Select(s => s.Id).ToList();
        Assert.Contains(setOld.Id, left); // KeepLast 1 over the whole repository would have removed it
        Assert.Contains(setNew.Id, left);
    }

    private static BackupPolicyRequest Policy(TwoShardCluster cluster) => new()
    {
        Connection = new ConnectionSettings { ConnectionString = cluster.Cluster.ConnectionString },
        Repository = cluster.Repository,
        FullEvery = TimeSpan.FromHours(24),
        Filter = new NamespaceFilter(databases: ["shop"]),
    };

    private static Task<BackupPolicyResult> Run(BackupPolicyRequest request, TimeProvider? clock = null) =>
        new BackupPolicyRunner(new RecordingObserver(), clock).RunAsync(request, CancellationToken.None);
}
