using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Oplog slices of a sharded cluster through its mongos (one slice of every shard to one cut), its restore windows, and
/// a point-in-time restore of it into a replica set: every shard's oplog replayed to the moment, a cross-shard
/// transaction applied only when every shard that prepared it committed at or before the moment.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterPointInTimeTests(MongoServerFixture server)
{
    [Fact]
    public async Task A_restore_to_a_moment_between_two_cross_shard_transactions_holds_the_first_and_not_the_second()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        var cut = full.ConsistentAt!.Timestamp;

        cluster.CrossShardTransaction(-10, 10_010, qty: 7);                       // A: on shard0 and shard1
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("qty", 5)));    // shard0
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 4000), new BsonDocument("$set", new BsonDocument("qty", 5))); // shard1
        cluster.CrossShardTransaction(-20, 10_020, qty: 7);                       // B
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);

        Assert.NotNull(slice);
        Assert.Equal(cut, slice.PreviousSliceEnd);
        Assert.All(slice.Cluster!.Shards, s => Assert.True(s.OplogEntries > 0 && s.PreviousSliceEnd == cut && s.OplogEnd <= slice.OplogEnd, $"{s.Name}: {s.OplogEntries} entries"));
        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)));
        Assert.Equal((full.Id, cut, slice.OplogEnd), (window.BaseSnapshot.Id, window.From, (OplogTimestamp?)window.To));

        // Each transaction's commitTransaction entries, one per shard, all after the snapshot's cut.
        var commitsA = Commits(cluster, cut).Take(2).ToList();
        var commitsB = Commits(cluster, cut).Skip(2).ToList();
        Assert.Equal(2, commitsB.Count);
        Assert.True(commitsA.Min() < commitsA.Max() && commitsA.Max() < commitsB.Min());

        // At A's last commit: A whole, the updates after it and B not at all.
        var between = await RestoreAsync(cluster, OplogLimit.AtClusterTime(commitsA.Max()));
        Assert.Equal(7, between[-10]);
        Assert.Equal(7, between[10_010]);
        Assert.False(between.ContainsKey(-20) || between.ContainsKey(10_020));
        Assert.Equal(0, between[1]);
        Assert.Equal(TwoShardCluster.InitialOrders + 2, between.Count);

        // Committed on one shard and not yet on the other, but past its commitTimestamp, where MongoDB makes it visible
        // (a read there waits out the other shard's prepare and sees it): whole.
        var halfCommitted = await RestoreAsync(cluster, OplogLimit.AtClusterTime(commitsA.Min()));
        Assert.Equal((7, 7), (halfCommitted[-10], halfCommitted[10_010]));
        Assert.Equal(TwoShardCluster.InitialOrders + 2, halfCommitted.Count);

        // Just before its commitTimestamp (the greatest prepareTimestamp), though prepared on one shard: not at all.
        var committedAt = CommitTimestamps(cluster, cut).Min();
        var beforeCommit = await RestoreAsync(cluster, OplogLimit.AtClusterTime(new OplogTimestamp(committedAt.Seconds, committedAt.Increment - 1)));
        Assert.False(beforeCommit.ContainsKey(-10) || beforeCommit.ContainsKey(10_010));
        Assert.Equal(TwoShardCluster.InitialOrders, beforeCommit.Count);

        // At the slice's cut: everything.
        var all = await RestoreAsync(cluster, OplogLimit.AtClusterTime(slice.OplogEnd!.Value));
        Assert.True(all.ContainsKey(-20) && all.ContainsKey(10_020));
        Assert.Equal((5, 5), (all[1], all[4000]));
        Assert.Equal(TwoShardCluster.InitialOrders + 4, all.Count);
    }

    [Fact]
    public async Task Slices_of_an_idle_cluster_holding_only_its_shards_periodic_noops_chain_into_one_window_and_a_moment_among_them_holds_every_write()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("qty", 5)));    // shard0
        var written = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(written);

        // Idle from here: every shard's primary writes its periodic no-ops, nothing else is written.
        WaitOutAnIntervalOnEveryShard(cluster);
        WaitOutAnIntervalOnEveryShard(cluster);
        var idle1 = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        WaitOutAnIntervalOnEveryShard(cluster);
        WaitOutAnIntervalOnEveryShard(cluster);
        var idle2 = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        // A replica set's Backup-MongoOplog writes a slice of an idle primary's no-ops (PeriodicNoopReplayTests), so its window reaches the quiet time.
        Assert.True(idle1 is not null, "no slice written for a cluster whose shards wrote only periodic no-ops: its window stops at the last write");
        Assert.True(idle2 is not null, "no second idle slice written");
        Assert.True(idle2.OplogEnd > idle1.OplogEnd && idle1.OplogEnd > written.OplogEnd, $"{written.OplogEnd} {idle1.OplogEnd} {idle2.OplogEnd}");
        Assert.All(idle2.Cluster!.Shards, s => Assert.True(s.OplogEntries > 0, $"{s.Name}: no entries in an idle slice"));

        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)));
        Assert.Null(window.EndsBecause);
        Assert.Equal((full.Id, idle2.OplogEnd), (window.BaseSnapshot.Id, (OplogTimestamp?)window.To));

        foreach (var moment in new[] { idle1.OplogEnd!.Value, idle2.OplogEnd!.Value })
        {
            var restored = await cluster.RestoredAtAsync(server, OplogLimit.AtClusterTime(moment));
            Assert.Equal(5, restored[1]);
            Assert.Equal(TwoShardCluster.InitialOrders, restored.Count);
        }
    }

    /// <summary>Ticks each shard primary's no-op writer until it writes a no-op (the first tick after a write only notes it).</summary>
    private static void WaitOutAnIntervalOnEveryShard(TwoShardCluster cluster)
    {
        foreach (var shard in cluster.Cluster.Shards)
        {
            var writer = shard.State.NoopWriter!;
            var wrote = false;
            for (var tick = 0; tick < 5 && !wrote; tick++) wrote = writer.Tick(TimeSpan.FromSeconds(30));
            Assert.True(wrote, "the shard's no-op writer wrote no no-op in five ticks of an idle primary");
        }
    }

    [Fact]
    public async Task A_restore_into_a_fresh_cluster_through_its_mongos_to_a_moment_between_two_cross_shard_transactions_holds_the_first_sharded_as_the_source()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        cluster.CrossShardTransaction(-10, 10_010, qty: 7);                       // A: on shard0 and shard1
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 4000), new BsonDocument("$set", new BsonDocument("qty", 5))); // shard1, after A
        cluster.CrossShardTransaction(-20, 10_020, qty: 7);                       // B
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);
        var commits = Commits(cluster, full.ConsistentAt!.Timestamp);
        Assert.Equal(4, commits.Count);

        using var target = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(target.ConnectionString);
        var request = Request(cluster, OplogLimit.AtClusterTime(commits[1]), "unused");
        request = request with { Restore = request.Restore with { Connection = new ConnectionSettings { ConnectionString = target.ConnectionString }, Map = new NamespaceMap() } };
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        Assert.True(outcome.SliceEntriesApplied > 0);

        var restored = (await mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .ToDictionary(d => d["_id"].AsInt32, d => d["qty"].AsInt32);
        Assert.Equal((7, 7), (restored[-10], restored[10_010]));
        Assert.False(restored.ContainsKey(-20) || restored.ContainsKey(10_020));
        Assert.Equal(0, restored[4000]);
        Assert.Equal(TwoShardCluster.InitialOrders + 2, restored.Count);
        var sharded = await mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").Find(new BsonDocument("_id", "shop.orders")).SingleAsync();
        Assert.Equal(new BsonDocument("_id", 1), sharded["key"].AsBsonDocument);
        // The shards together hold each document once: none written twice by the replay.
        long perShard = 0;
        foreach (var shard in target.Shards)
        {
            using var client = new MongoClient(shard.ConnectionString);
            perShard += await client.GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
        }
        Assert.Equal(restored.Count, perShard);
        // A was applied through the mongos as one transaction: the target's shards logged its writes inside a
        // transaction's applyOps (lsid, txnNumber), never as writes of their own.
        var transactional = new List<int>();
        foreach (var shard in target.Shards)
        {
            using var client = new MongoClient(shard.ConnectionString);
            var oplog = client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
            Assert.Empty(await oplog.Find(new BsonDocument { { "op", "i" }, { "o._id", new BsonDocument("$in", new BsonArray { -10, 10_010 }) } }).ToListAsync());
            transactional.AddRange((await oplog.Find(new BsonDocument { { "lsid", new BsonDocument("$exists", true) }, { "o.applyOps", new BsonDocument("$exists", true) } }).ToListAsync())
                .SelectMany(e => e["o"]["applyOps"].AsBsonArray).Select(o => o["o"].AsBsonDocument.GetValue("_id", 0)).Where(id => id.IsInt32).Select(id => id.AsInt32));
        }
        Assert.Equal([-10, 10_010], transactional.Order());
    }

    [Fact]
    public async Task A_shard_whose_oplog_rolled_over_ends_the_window_and_a_moment_past_it_is_refused_naming_the_shard()
    {
        using var cluster = new TwoShardCluster(oplogSizeMB: 1);
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        await cluster.Orders.InsertManyAsync([new BsonDocument { { "_id", -1 }, { "qty", 1 } }, new BsonDocument { { "_id", 9_001 }, { "qty", 1 } }]);
        var first = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(first);
        Assert.All(first.Cluster!.Shards, s => Assert.Null(s.Gap));

        // About 3 MB of writes on shard1 alone through its 1 MB oplog: what came after the first slice's cut rolls out there.
        var pad = new string('x', 10_000);
        for (var i = 0; i < 300; i++) await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", 20_000 + i }, { "pad", pad } });
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -2 }, { "qty", 1 } });
        var observer = new RecordingObserver();
        var gapped = await new OplogBackup(observer).RunAsync(cluster.Slice(), CancellationToken.None);

        Assert.NotNull(gapped);
        Assert.Null(gapped.Cluster!.Shards[0].Gap);
        Assert.Equal(first.OplogEnd, gapped.Cluster.Shards[1].Gap?.From);
        Assert.NotNull(gapped.Gap);
        Assert.False(gapped.PointInTimeConsistent);
        Assert.Contains(observer.Warnings, w => w.Contains("shard shard1") && w.Contains("rolled past"));

        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)));
        Assert.Equal((full.Id, first.OplogEnd), (window.BaseSnapshot.Id, (OplogTimestamp?)window.To));
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => PointInTimeRestoreRunner.PlanAsync(Request(cluster, OplogLimit.AtClusterTime(gapped.OplogEnd!.Value), "unused"), CancellationToken.None));
        Assert.Equal(ErrorIds.OutsideRestoreWindow, refused.ErrorId);
        Assert.Contains("the oplog of shard shard1", refused.Message);
        Assert.Contains(gapped.Id, refused.Message);

        // Up to the break, the window still restores: the first slice's writes on both shards.
        var restored = await RestoreAsync(cluster, OplogLimit.AtClusterTime(first.OplogEnd!.Value));
        Assert.True(restored.ContainsKey(-1) && restored.ContainsKey(9_001) && !restored.ContainsKey(-2));
    }

    [Fact]
    public async Task Continuous_capture_of_a_cluster_writes_chained_slices_and_keeps_what_came_before_its_stop()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var request = new ContinuousCaptureRequest { Slice = cluster.Slice(), SliceInterval = TimeSpan.FromMilliseconds(200) };
        var capture = Task.Run(() => new OplogBackup(new RecordingObserver()).RunContinuousAsync(request, stop.Token));

        await cluster.Orders.InsertManyAsync([new BsonDocument { { "_id", -1 }, { "qty", 1 } }, new BsonDocument { { "_id", 9_001 }, { "qty", 1 } }]);
        await WaitForAsync(async () => (await Slices(cluster)).Count >= 1);
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -2 }, { "qty", 1 } });
        using var session = await cluster.Mongos.StartSessionAsync();
        await cluster.Orders.InsertOneAsync(session, new BsonDocument { { "_id", 9_002 }, { "qty", 1 } });
        var lastWrite = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        stop.Cancel();
        var slices = await capture;

        Assert.True(slices.Count >= 2, $"{slices.Count} slice(s)");
        Assert.Equal(full.ConsistentAt!.Timestamp, slices[0].PreviousSliceEnd);
        for (var i = 1; i < slices.Count; i++) Assert.Equal(slices[i - 1].OplogEnd, slices[i].PreviousSliceEnd);
        Assert.True(slices[^1].OplogEnd >= lastWrite);
        Assert.Equal(slices.Select(s => s.Id).Order(), (await Slices(cluster)).Select(s => s.Id).Order());
        Assert.Equal(slices.Count + 1, cluster.SnapshotFolders.Count); // nothing unfinished left behind
        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)));
        Assert.Equal(slices[^1].OplogEnd, window.To);
        var restored = await RestoreAsync(cluster, OplogLimit.AtClusterTime(window.To));
        Assert.True(new[] { -1, 9_001, -2, 9_002 }.All(restored.ContainsKey));
    }

    [Fact]
    public async Task A_shard_the_chain_does_not_know_refuses_the_slice_naming_it_and_keeps_nothing()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        // As if shard1 had joined after the full backup: the snapshot the chain ends with knows a shard1b instead.
        var manifestPath = cluster.Repository.LocalPath(full.Id, SnapshotManifest.FileName)!;
        await File.WriteAllTextAsync(manifestPath, (await File.ReadAllTextAsync(manifestPath)).Replace("\"name\": \"shard1\"", "\"name\": \"shard1b\""));
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -1 }, { "qty", 1 } });

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None));
        Assert.Equal(ErrorIds.NoBaseSnapshot, refused.ErrorId);
        Assert.Contains("Shard shard1 joined the cluster after snapshot " + full.Id, refused.Message);
        Assert.Equal([full.Id], cluster.SnapshotFolders);
    }

    /// <summary>The timestamps of both shards' commitTransaction entries after <paramref name="after"/>, in order.</summary>
    [Fact]
    public async Task A_collection_the_slices_create_is_refused_where_the_renamed_target_already_holds_documents()
    {
        // The run reads the merged oplog once ahead of the replay (the merge is readable once): the renames' check and the
        // targets' check both take what that read found, so the target that holds documents is still checked.
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        var later = cluster.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("later");
        await later.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "from", "source" } });
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        var target = TestDatabases.NewName("clusterpitr_held");
        var held = server.Client.GetDatabase(target).GetCollection<BsonDocument>("later");
        await held.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "from", "target" } });

        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver())
            .RunAsync(Request(cluster, OplogLimit.AtClusterTime(slice!.OplogEnd!.Value), target), CancellationToken.None);

        var refused = Assert.Single(outcome.Restore.Namespaces, n => n.TargetNamespace == target + ".later");
        Assert.Contains($"The target {target}.later already holds 1 document", refused.Error);
        Assert.Equal([new BsonDocument { { "_id", 2 }, { "from", "target" } }], await held.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        Assert.Equal(TwoShardCluster.InitialOrders, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        await server.Client.DropDatabaseAsync(target);
    }

    private static List<OplogTimestamp> Commits(TwoShardCluster cluster, OplogTimestamp after) =>
        Enumerable.Range(0, 2).SelectMany(i => cluster.Shard(i).GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
                .Find(new BsonDocument { { "ts", new BsonDocument("$gt", after.ToBsonTimestamp()) }, { "o.commitTransaction", new BsonDocument("$exists", true) } })
                .ToList().Select(e => OplogTimestamp.FromBsonTimestamp(e["ts"].AsBsonTimestamp)))
            .Order().ToList();

    /// <summary>The commitTimestamp each commitTransaction entry after <paramref name="after"/> names, in order.</summary>
    private static List<OplogTimestamp> CommitTimestamps(TwoShardCluster cluster, OplogTimestamp after) =>
        Enumerable.Range(0, 2).SelectMany(i => cluster.Shard(i).GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
                .Find(new BsonDocument { { "ts", new BsonDocument("$gt", after.ToBsonTimestamp()) }, { "o.commitTransaction", new BsonDocument("$exists", true) } })
                .ToList().Select(e => OplogTimestamp.FromBsonTimestamp(e["o"]["commitTimestamp"].AsBsonTimestamp)))
            .Order().ToList();

    /// <summary>
    /// Breaker8 finding 1, for a cluster: a damaged newest cluster slice refused every point-in-time restore of the chain.
    /// A moment before it needs only the slices up to it (a cross-shard transaction committed by then included: its late
    /// commits are stored with the slice of its cut); a moment the damaged slice holds is refused naming it.
    /// </summary>
    [Fact]
    public async Task A_damaged_cluster_slice_after_the_moment_is_not_read_and_a_moment_it_holds_is_refused_naming_it()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        cluster.CrossShardTransaction(-10, 10_010, qty: 7);
        var first = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("qty", 5)));    // shard0
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 4000), new BsonDocument("$set", new BsonDocument("qty", 5))); // shard1
        var second = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(first);
        Assert.NotNull(second);
        // One bit flipped in the middle of each shard's oplog file of the newest slice.
        foreach (var file in Directory.GetFiles(cluster.Repository.LocalPath(second.Id, "")!, "oplog.bson*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            bytes[bytes.Length / 2] ^= 0x40;
            await File.WriteAllBytesAsync(file, bytes);
        }

        var target = TestDatabases.NewName("clusterpitr");
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(
            Request(cluster, OplogLimit.AtClusterTime(first.OplogEnd!.Value), target), CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        Assert.Equal([first.Id], outcome.Window.Slices.Select(s => s.Id));
        var orders = (await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .ToDictionary(d => d["_id"].AsInt32, d => d.GetValue("qty", 0).AsInt32);
        await server.Client.DropDatabaseAsync(target);
        Assert.Equal((7, 7, 0, 0), (orders[-10], orders[10_010], orders[1], orders[4000]));

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(
            Request(cluster, OplogLimit.AtClusterTime(second.OplogEnd!.Value), target), CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, refused.ErrorId);
        Assert.Contains(second.Id, refused.Message);
        Assert.DoesNotContain(target, await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
    }

    private PointInTimeRestoreRequest Request(TwoShardCluster cluster, OplogLimit limit, string target) => cluster.PointInTime(server, limit, target);

    private Task<Dictionary<int, int>> RestoreAsync(TwoShardCluster cluster, OplogLimit limit) => cluster.RestoredAtAsync(server, limit);

    private static async Task<List<SnapshotManifest>> Slices(TwoShardCluster cluster) =>
        (await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).ToList();

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 60 s");
            await Task.Delay(50);
        }
    }
}
