using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A backup of a whole sharded cluster through its mongos, restored into a replica set: exactly the cluster at the cut T,
/// with writes running on every shard during the backup and a chunk migration just ended before it; the balancer and
/// migration refusals.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterBackupTests(MongoServerFixture server)
{
    [Fact]
    public async Task A_backup_while_every_shard_takes_writes_restores_into_a_replica_set_exactly_as_the_cluster_was_at_the_cut()
    {
        using var cluster = new TwoShardCluster();
        var history = new WriteHistory();
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(() => WriteContinuouslyAsync(cluster.Orders, history, stopWriting.Token));
        await history.WaitForWritesAsync(50);

        // During the dump, a transaction writing on both shards commits (two-phase: prepare and commitTransaction on each).
        var transactionAt = default(OplogTimestamp);
        var hook = new DuringBackupHook(() => transactionAt = cluster.CommitCrossShardTransaction());
        var manifest = await new FullBackup(hook).RunAsync(cluster.Backup(), CancellationToken.None);
        await history.WaitForWritesAsync(history.Count + 50); // keep writing past the end of the backup
        stopWriting.Cancel();
        await writer;

        Assert.True(hook.Ran);
        var cut = manifest.Cluster!.ClusterTime.Timestamp;
        Assert.Equal(cut, manifest.ConsistentAt!.Timestamp);
        Assert.Equal(["shard0", "shard1"], manifest.Cluster.Shards.Select(s => s.Name));
        Assert.All(manifest.Cluster.Shards, s => Assert.True(s.OplogEnd <= cut && s.OplogEntries > 0, $"{s.Name}: {s.OplogStart}..{s.OplogEnd}, {s.OplogEntries} entries"));
        Assert.Contains(history.Writes, w => w.At > cut); // the test really wrote past the cut
        Assert.Contains(history.Writes, w => w.At <= cut && w.Id < 2500 && w.Kind != WriteKind.Insert); // and on shard0 before it
        Assert.True(transactionAt <= cut);

        var target = TestDatabases.NewName("cluster");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Snapshot = new RepositorySnapshot(cluster.Repository, manifest.Id),
            Map = new NamespaceMap().AddDatabaseRename("shop", target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));

        var expected = history.StateAt(cut, TwoShardCluster.InitialOrders);
        expected[-1] = 7;
        expected[1_000_000] = 7;
        var restored = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var actual = restored.ToDictionary(d => d["_id"].AsInt32, d => d["qty"].AsInt32);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task A_running_balancer_refuses_the_backup_unless_StopBalancer_which_stops_it_and_starts_it_again()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument("balancerStart", 1));

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None));
        Assert.Equal(ErrorIds.BalancerRunning, refused.ErrorId);
        Assert.Contains("-StopBalancer", refused.Message);
        Assert.Empty(cluster.SnapshotFolders);
        Assert.Equal("full", cluster.BalancerMode);

        var modes = new List<string>();
        var hook = new DuringBackupHook(() => modes.Add(cluster.BalancerMode));
        var manifest = await new FullBackup(hook).RunAsync(cluster.Backup(stopBalancer: true), CancellationToken.None);
        Assert.Equal(["off"], modes); // stopped while the shards were copied
        Assert.Equal("full", cluster.BalancerMode); // and running again after
        Assert.Equal([manifest.Id], cluster.SnapshotFolders);
    }

    [Fact]
    public async Task A_failed_backup_with_StopBalancer_still_starts_the_balancer_again_and_keeps_nothing()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument("balancerStart", 1));
        var hook = new DuringBackupHook(() => throw new IOException("disk gone"));

        await Assert.ThrowsAnyAsync<Exception>(() => new FullBackup(hook).RunAsync(cluster.Backup(stopBalancer: true), CancellationToken.None));
        Assert.Equal("full", cluster.BalancerMode);
        Assert.Empty(cluster.SnapshotFolders);
    }

    [Fact]
    public async Task A_chunk_migration_running_refuses_the_backup_naming_the_shard_and_namespace()
    {
        using var cluster = new TwoShardCluster();
        using var hold = cluster.Cluster.HoldMigrations();
        var move = Task.Run(() => cluster.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("_id", 10) }, { "to", "shard1" } }));
        Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None));
        Assert.Equal(ErrorIds.ChunkMigrationRunning, refused.ErrorId);
        Assert.Contains("shop.orders", refused.Message);
        Assert.Contains("shard shard0", refused.Message);
        Assert.Empty(cluster.SnapshotFolders);
        hold.Release();
        await move;
    }

    [Fact]
    public async Task A_chunk_moved_during_the_backup_fails_it_and_keeps_nothing()
    {
        using var cluster = new TwoShardCluster();
        var hook = new DuringBackupHook(() =>
            cluster.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("_id", 10) }, { "to", "shard1" } }));

        var failed = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(hook).RunAsync(cluster.Backup(), CancellationToken.None));
        Assert.Equal(ErrorIds.ChunkMigrationRunning, failed.ErrorId);
        Assert.Empty(cluster.SnapshotFolders);
    }

    [Fact]
    public async Task ShardHostMap_reaches_members_by_other_names_and_refuses_a_name_that_is_no_member()
    {
        using var cluster = new TwoShardCluster();
        var member = new Uri(cluster.Cluster.Shards[1].ConnectionString).Port;
        var renamed = cluster.Backup() with { ShardHostMap = new Dictionary<string, string> { [$"127.0.0.1:{member}"] = $"localhost:{member}" } };
        var observer = new RecordingObserver();
        var manifest = await new FullBackup(observer).RunAsync(renamed, CancellationToken.None);
        Assert.Contains(observer.Verboses, v => v.Contains($"shard1 (replica set shard1 at localhost:{member})"));
        Assert.Equal(2, manifest.Cluster!.Shards.Count);

        var typo = cluster.Backup() with { ShardHostMap = new Dictionary<string, string> { ["127.0.0.2:1"] = "localhost:1" } };
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(new RecordingObserver()).RunAsync(typo, CancellationToken.None));
        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains("'127.0.0.2:1'", refused.Message);
    }

    /// <summary>
    /// Inserts new documents {_id, qty} after the <paramref name="initial"/> ones (on shard1 for shop.orders), and increments
    /// and deletes random ones (on both shards), through mongos, each recorded in <paramref name="history"/>.
    /// </summary>
    internal static async Task WriteContinuouslyAsync(IMongoCollection<BsonDocument> orders, WriteHistory history, CancellationToken ct,
        int initial = TwoShardCluster.InitialOrders, int seed = 11)
    {
        using var session = await orders.Database.Client.StartSessionAsync();
        var random = new Random(seed);
        var next = initial;
        while (!ct.IsCancellationRequested)
        {
            var id = random.Next(next);
            switch (random.Next(3))
            {
                case 0:
                    await orders.InsertOneAsync(session, new BsonDocument { { "_id", next }, { "qty", 1 } });
                    history.Add(new Write(OplogTimestamp.FromBsonTimestamp(session.OperationTime), WriteKind.Insert, next++, 1));
                    break;
                case 1:
                    if ((await orders.UpdateOneAsync(session, new BsonDocument("_id", id), new BsonDocument("$inc", new BsonDocument("qty", 1)))).ModifiedCount == 1)
                        history.Add(new Write(OplogTimestamp.FromBsonTimestamp(session.OperationTime), WriteKind.Increment, id, 1));
                    break;
                default:
                    if ((await orders.DeleteOneAsync(session, new BsonDocument("_id", id))).DeletedCount == 1)
                        history.Add(new Write(OplogTimestamp.FromBsonTimestamp(session.OperationTime), WriteKind.Delete, id, 0));
                    break;
            }
        }
    }
}
