using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cross-shard transaction prepared at or before the cut whose commit reaches a shard only after it: committed at a
/// commitTimestamp at or before the cut, it is part of the cluster at the cut, so the backup waits for the decision and
/// saves the late commit entry, and the restore applies the transaction on every shard; a decision that never comes
/// fails the backup naming the shard.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class PreparedTransactionTests(MongoServerFixture server)
{
    [Theory]
    [InlineData(1)] // committed on shard0 before the backup, still prepared on shard1
    [InlineData(0)] // prepared on both, committed on neither before the backup
    public async Task A_transaction_committed_at_or_before_the_cut_whose_commit_entry_comes_after_it_is_restored_whole(int committedBefore)
    {
        using var cluster = new TwoShardCluster();
        var commit = Task.CompletedTask;
        BsonTimestamp? commitTimestamp;
        using (var hold = cluster.Cluster.HoldTwoPhaseCommits(committedBefore))
        {
            commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
            var observer = new ReleaseWhenWaiting(hold);
            var manifest = await new FullBackup(observer).RunAsync(cluster.Backup(), CancellationToken.None);
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(observer.Recorded.Verboses, v => v.Contains("waiting for 1 transaction(s) prepared at or before the cut"));

            var cut = manifest.Cluster!.ClusterTime.Timestamp;
            commitTimestamp = CommitEntries(cluster, 1).Single()["o"]["commitTimestamp"].AsBsonTimestamp;
            Assert.True(OplogTimestamp.FromBsonTimestamp(commitTimestamp) <= cut, $"commitTimestamp {commitTimestamp} after the cut {cut}");
            Assert.True(OplogTimestamp.FromBsonTimestamp(CommitEntries(cluster, 1).Single()["ts"].AsBsonTimestamp) > cut); // its entry came after
            Assert.Equal(1, manifest.Cluster.Shards[1].LateCommits);
            Assert.Equal(1 - committedBefore, manifest.Cluster.Shards[0].LateCommits);

            var restored = await RestoreAsync(cluster, manifest.Id);
            Assert.Equal(7, restored.GetValueOrDefault(-2));
            Assert.Equal(7, restored.GetValueOrDefault(2_000_000));
            Assert.Equal(TwoShardCluster.InitialOrders + 2, restored.Count);
        }
    }

    /// <summary>
    /// Breaker test (fails): the same transaction, committed at a commitTimestamp at or before the cut, is part of the
    /// cluster at the cut (the backup waited for its decision and Restore-MongoDatabase of the snapshot applies it); a
    /// point-in-time restore to the cut itself (-ClusterTime of the window's From, the earliest restorable moment that
    /// Get-MongoRestoreWindow shows) must hold it too. The merged oplog gives the transaction out at its last commit
    /// entry, whose ts is after the cut, so the replay limited to the cut leaves it out: the restore "to the same moment"
    /// differs from the snapshot restored whole. MongoDB: a prepared transaction's writes become visible at its
    /// commitTimestamp (src/mongo/db/transaction/transaction_participant.cpp, commitPreparedTransaction sets the commit
    /// timestamp, not the oplog slot of its commitTransaction entry), which this repository's own PreparedAtCut follows.
    /// </summary>
    [Fact]
    public async Task Breaker_a_point_in_time_restore_to_the_cut_holds_the_transaction_committed_at_or_before_it_as_the_snapshot_does()
    {
        using var cluster = new TwoShardCluster();
        SnapshotManifest manifest;
        using (var hold = cluster.Cluster.HoldTwoPhaseCommits(0))
        {
            var commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
            manifest = await new FullBackup(new ReleaseWhenWaiting(hold)).RunAsync(cluster.Backup(), CancellationToken.None);
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
        }
        var cut = manifest.Cluster!.ClusterTime.Timestamp;
        Assert.True(OplogTimestamp.FromBsonTimestamp(CommitEntries(cluster, 1).Single()["o"]["commitTimestamp"].AsBsonTimestamp) <= cut);
        Assert.True(OplogTimestamp.FromBsonTimestamp(CommitEntries(cluster, 1).Single()["ts"].AsBsonTimestamp) > cut);

        var whole = await RestoreAsync(cluster, manifest.Id);
        Assert.Equal(7, whole.GetValueOrDefault(2_000_000)); // the snapshot restored whole holds it

        var atCut = await cluster.RestoredAtAsync(server, OplogLimit.AtClusterTime(manifest.ConsistentAt!.Timestamp));
        Assert.Equal(7, atCut.GetValueOrDefault(-2));
        Assert.Equal(7, atCut.GetValueOrDefault(2_000_000));
        Assert.Equal(whole.Count, atCut.Count);
    }

    /// <summary>
    /// The same at a cluster slice's end, the other moment Get-MongoRestoreWindow offers: the slice waits for the decision
    /// and saves the late commit entries, as a full backup does, so a restore to its end holds the transaction; and a
    /// restore over the next slice, which holds those commit entries again in their place, applies it once.
    /// </summary>
    [Fact]
    public async Task A_point_in_time_restore_to_a_slice_end_holds_a_transaction_committed_at_or_before_it_whose_commit_entries_come_after_it()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        SnapshotManifest slice;
        using (var hold = cluster.Cluster.HoldTwoPhaseCommits(0))
        {
            var commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
            var observer = new ReleaseWhenWaiting(hold);
            slice = (await new OplogBackup(observer).RunAsync(cluster.Slice(), CancellationToken.None))!;
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(observer.Recorded.Verboses, v => v.Contains("waiting for 1 transaction(s) prepared at or before the cut"));
        }
        var end = slice.ConsistentAt!.Timestamp;
        Assert.True(OplogTimestamp.FromBsonTimestamp(CommitEntries(cluster, 1).Single()["o"]["commitTimestamp"].AsBsonTimestamp) <= end);
        Assert.True(OplogTimestamp.FromBsonTimestamp(CommitEntries(cluster, 1).Single()["ts"].AsBsonTimestamp) > end);
        Assert.Equal(1, slice.Cluster!.Shards[1].LateCommits);

        var atEnd = await cluster.RestoredAtAsync(server, OplogLimit.AtClusterTime(end));
        Assert.Equal(7, atEnd.GetValueOrDefault(-2));
        Assert.Equal(7, atEnd.GetValueOrDefault(2_000_000));
        Assert.Equal(TwoShardCluster.InitialOrders + 2, atEnd.Count);

        cluster.Orders.InsertOne(new BsonDocument { { "_id", 2_000_001 }, { "qty", 8 } });
        var next = (await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None))!;
        var atNext = await cluster.RestoredAtAsync(server, OplogLimit.AtClusterTime(next.ConsistentAt!.Timestamp));
        Assert.Equal(8, atNext.GetValueOrDefault(2_000_001));
        Assert.Equal(TwoShardCluster.InitialOrders + 3, atNext.Count); // the late commit, held by both slices, applied once
    }

    [Fact]
    public async Task A_transaction_prepared_by_the_cut_and_never_decided_fails_the_backup_naming_the_shard_and_keeps_nothing()
    {
        using var cluster = new TwoShardCluster();
        var deadline = PreparedAtCut.DecisionDeadline;
        PreparedAtCut.DecisionDeadline = TimeSpan.FromSeconds(1);
        try
        {
            using var hold = cluster.Cluster.HoldTwoPhaseCommits(1);
            var commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));

            var failed = await Assert.ThrowsAsync<UndecidedTransactionException>(() => new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None));
            Assert.Equal(ErrorIds.BackupFailed, failed.ErrorId);
            Assert.Contains("Shard shard1 still holds a transaction", failed.Message);
            Assert.Equal("shard1", failed.Target);
            Assert.Empty(cluster.SnapshotFolders);
            hold.Release();
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            PreparedAtCut.DecisionDeadline = deadline;
        }
    }

    /// <summary>
    /// A late commit entry is stored only once its shard has majority-committed it (hello's lastWrite.majorityOpTime, as
    /// every other oplog entry the backup stores: MajorityCommitPoint): shard1's commit point is held back from before the
    /// decision reaches it (its secondaries stopped replicating), so its commit entry is in its oplog but could still be
    /// rolled back; the backup waits, and stores it once the point passes it.
    /// </summary>
    [Fact]
    public async Task A_late_commit_entry_is_stored_only_once_its_shard_has_majority_committed_it()
    {
        using var cluster = new TwoShardCluster();
        var shard1 = cluster.Cluster.Shards[1];
        BsonTimestamp? heldAt = null, entryAt = null;
        try
        {
            using var hold = cluster.Cluster.HoldTwoPhaseCommits(1);
            var commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
            var observer = new ReleaseWhenWaiting(hold, before: shard1.HoldMajorityCommitPoint, onMajorityWait: () =>
            {
                // What the backup waits on, as the shard reports it: its commit entry written, not majority-committed.
                heldAt = MajorityOpTime(cluster, 1);
                entryAt = CommitEntries(cluster, 1).Single()["ts"].AsBsonTimestamp;
                shard1.ReleaseMajorityCommitPoint();
            });
            var manifest = await new FullBackup(observer).RunAsync(cluster.Backup(), CancellationToken.None);
            await commit.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Contains(observer.Recorded.Verboses, v => v.Contains("Shard shard1: waiting for its majority commit point"));
            Assert.NotNull(entryAt);
            Assert.True(heldAt!.CompareTo(entryAt) < 0, $"the commit point {heldAt} already covered the commit entry {entryAt}");
            Assert.Equal(1, manifest.Cluster!.Shards[1].LateCommits);
            Assert.Equal(OplogTimestamp.FromBsonTimestamp(entryAt!), manifest.Cluster.Shards[1].OplogEnd);
            var restored = await RestoreAsync(cluster, manifest.Id);
            Assert.Equal(7, restored.GetValueOrDefault(-2));
            Assert.Equal(7, restored.GetValueOrDefault(2_000_000));
            Assert.Equal(TwoShardCluster.InitialOrders + 2, restored.Count);
        }
        finally
        {
            shard1.ReleaseMajorityCommitPoint();
        }
    }

    [Fact]
    public async Task A_late_commit_entry_its_shard_never_majority_commits_fails_the_backup_naming_the_shard_and_the_transaction_and_keeps_nothing()
    {
        using var cluster = new TwoShardCluster();

        var failed = await LateCommitNeverMajorityCommittedAsync(cluster, heldShard: 1,
            observer => new FullBackup(observer).RunAsync(cluster.Backup(), CancellationToken.None));

        var txnNumber = CommitEntries(cluster, 1).Single()["txnNumber"].ToInt64();
        Assert.Contains($"commit entry of the transaction (txnNumber {txnNumber})", failed.Message);
        Assert.Contains("nothing was kept", failed.Message);
        Assert.Empty(cluster.SnapshotFolders);
    }

    /// <summary>The same for a cluster oplog slice: its late commit entry on a shard that never majority-commits it fails the slice, and no slice is kept.</summary>
    [Fact]
    public async Task A_slice_whose_late_commit_entry_its_shard_never_majority_commits_fails_and_keeps_no_slice()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        var full = cluster.SnapshotFolders.Single();

        await LateCommitNeverMajorityCommittedAsync(cluster, heldShard: 0,
            observer => new OplogBackup(observer).RunAsync(cluster.Slice(), CancellationToken.None));

        Assert.Equal([full], cluster.SnapshotFolders);
    }

    /// <summary>
    /// Runs <paramref name="run"/> while a cross-shard transaction is held prepared on shard <paramref name="heldShard"/>'s
    /// side of the two-phase commit, shard1's majority commit point held once the run waits for the decision, so shard1's
    /// late commit entry is never majority-committed; returns the run's error after checking it is BackupFailed naming shard1.
    /// </summary>
    private static async Task<MongoBackupException> LateCommitNeverMajorityCommittedAsync(TwoShardCluster cluster, int heldShard,
        Func<IEngineObserver, Task> run)
    {
        var shard1 = cluster.Cluster.Shards[1];
        var deadline = PreparedAtCut.CommitPointDeadline;
        PreparedAtCut.CommitPointDeadline = TimeSpan.FromSeconds(1);
        try
        {
            using var hold = cluster.Cluster.HoldTwoPhaseCommits(heldShard);
            var commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));

            var failed = await Assert.ThrowsAnyAsync<MongoBackupException>(() => run(new ReleaseWhenWaiting(hold, before: shard1.HoldMajorityCommitPoint)));
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(ErrorIds.BackupFailed, failed.ErrorId);
            Assert.Equal("shard1", failed.Target);
            Assert.Contains("Shard shard1's majority commit point", failed.Message);
            return failed;
        }
        finally
        {
            PreparedAtCut.CommitPointDeadline = deadline;
            shard1.ReleaseMajorityCommitPoint();
        }
    }

    /// <summary>
    /// A continuous capture treats a late commit entry its shard has not majority-committed as it treats a cut not
    /// majority-committed yet: no slice that interval (a warning), and the next interval slices once the shard has caught up.
    /// It waits for that entry as long as for a cut, one interval (200 ms here), not the one-shot default of a minute,
    /// which this test leaves as it is: the warning comes within 20 s only if the interval is the wait.
    /// </summary>
    [Fact]
    public async Task A_continuous_capture_writes_no_slice_while_a_late_commit_entry_is_not_majority_committed_and_slices_once_it_is()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        var shard1 = cluster.Cluster.Shards[1];
        Assert.True(PreparedAtCut.CommitPointDeadline >= TimeSpan.FromSeconds(60));
        try
        {
            using var hold = cluster.Cluster.HoldTwoPhaseCommits(0);
            var commit = Task.Run(() => CommitAcrossShards(cluster));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
            var observer = new ReleaseWhenWaiting(hold, before: shard1.HoldMajorityCommitPoint);
            using var stop = new CancellationTokenSource();
            var request = new ContinuousCaptureRequest { Slice = cluster.Slice(), SliceInterval = TimeSpan.FromMilliseconds(200) };
            var capture = Task.Run(() => new OplogBackup(observer).RunContinuousAsync(request, stop.Token));

            await WaitForAsync(() => observer.Recorded.Warnings.Any(w => w.Contains("Shard shard1's majority commit point") && w.Contains("commit entry of the transaction")
                && w.Contains("no slice was written this interval")), capture, TimeSpan.FromSeconds(20));
            await commit.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Empty(Slices(cluster));

            shard1.ReleaseMajorityCommitPoint();
            await WaitForAsync(() => Slices(cluster).Count >= 1, capture);
            await stop.CancelAsync();
            var slices = await capture;

            var restored = await cluster.RestoredAtAsync(server, OplogLimit.AtClusterTime(slices[0].ConsistentAt!.Timestamp));
            Assert.Equal(7, restored.GetValueOrDefault(-2));
            Assert.Equal(7, restored.GetValueOrDefault(2_000_000));
        }
        finally
        {
            shard1.ReleaseMajorityCommitPoint();
        }
    }

    private static List<SnapshotManifest> Slices(TwoShardCluster cluster) =>
        SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None).GetAwaiter().GetResult().Where(s => s.Kind == SnapshotKind.Oplog).ToList();

    private static async Task WaitForAsync(Func<bool> condition, Task capture, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            Assert.False(capture.IsCompleted, $"the capture ended: {capture.Exception?.InnerException?.Message}");
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {limit.TotalSeconds:0} s");
            await Task.Delay(50);
        }
    }

    private static BsonTimestamp MajorityOpTime(TwoShardCluster cluster, int shard) =>
        cluster.Shard(shard).GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("hello", 1))["lastWrite"]["majorityOpTime"]["ts"].AsBsonTimestamp;

    /// <summary>Inserts _id -2 (shard0) and 2,000,000 (shard1) in one transaction through mongos: a two-phase commit.</summary>
    /// <summary>
    /// A cluster slice given a wait (a continuous capture's interval) waits that long for a transaction its cut finds
    /// prepared, not the one-shot 60 s: an undecided one then ends that slice alone, which the capture skips to the next interval.
    /// </summary>
    [Fact]
    public async Task A_cluster_slice_given_a_wait_gives_a_transaction_prepared_by_its_cut_that_long_to_be_decided()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        using var hold = cluster.Cluster.HoldTwoPhaseCommits(1);
        var commit = Task.Run(() => CommitAcrossShards(cluster));
        Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
        var request = cluster.Slice();
        using var mongos = MongoBackup.Engine.Connection.MongoConnection.Open(request.Connection);

        var failed = await Assert.ThrowsAsync<UndecidedTransactionException>(() => new ClusterSliceRunner(new RecordingObserver())
            .RunAsync(request, mongos, new SnapshotCatalog(request.Repository), CancellationToken.None, TimeSpan.FromSeconds(1)));

        Assert.Equal(ErrorIds.BackupFailed, failed.ErrorId);
        Assert.Equal("shard1", failed.Target);
        Assert.Contains("neither committed nor aborted 1 s later", failed.Message);
        Assert.Equal(TimeSpan.FromSeconds(60), PreparedAtCut.DecisionDeadline); // the one-shot wait, not the one used
        hold.Release();
        await commit.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static void CommitAcrossShards(TwoShardCluster cluster)
    {
        using var session = cluster.Mongos.StartSession();
        session.StartTransaction();
        cluster.Orders.InsertOne(session, new BsonDocument { { "_id", -2 }, { "qty", 7 } });
        cluster.Orders.InsertOne(session, new BsonDocument { { "_id", 2_000_000 }, { "qty", 7 } });
        session.CommitTransaction();
    }

    private static List<BsonDocument> CommitEntries(TwoShardCluster cluster, int shard) =>
        cluster.Shard(shard).GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "op", "c" }, { "o.commitTransaction", new BsonDocument("$exists", true) } }).ToList();

    private async Task<Dictionary<int, int>> RestoreAsync(TwoShardCluster cluster, string snapshot) =>
        (await cluster.RestoredAsync(server, snapshot, "orders")).ToDictionary(d => d["_id"].AsInt32, d => d["qty"].AsInt32);

    /// <summary>
    /// Records events, and releases the hold once the backup says it waits for a prepared transaction's decision (after
    /// running <paramref name="before"/>, when given: a write made after the cut and before the late commit); runs
    /// <paramref name="onMajorityWait"/> once the backup says it waits for a shard's commit point to cover a late commit.
    /// </summary>
    private sealed class ReleaseWhenWaiting(OperationHold hold, Action? before = null, Action? onMajorityWait = null) : IEngineObserver
    {
        public RecordingObserver Recorded { get; } = new();

        public void Verbose(string message)
        {
            Recorded.Verbose(message);
            if (message.Contains("waiting for its majority commit point") && Interlocked.Exchange(ref onMajorityWait, null) is { } waiting) waiting();
            if (!message.Contains("prepared at or before the cut")) return;
            if (Interlocked.Exchange(ref before, null) is { } once) once(); // each shard waiting says so: once
            hold.Release();
        }

        public void Warning(string message) => Recorded.Warning(message);
        public void Progress(ProgressUpdate update) => Recorded.Progress(update);
        public void NamespaceFailed(string ns, MongoBackupException error) => Recorded.NamespaceFailed(ns, error);
    }
}
