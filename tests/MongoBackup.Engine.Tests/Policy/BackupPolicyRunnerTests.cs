using MongoBackup.Engine.Tests.Support;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Policy;

/// <summary>The scheduled policy run: full when due, slices in between, retention, and standing aside for a lease holder.</summary>
[Collection(MongoServerCollection.Name)]
public sealed class BackupPolicyRunnerTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task First_run_takes_a_full_then_a_write_gives_a_slice_and_a_second_call_at_once_finds_no_write_to_save()
    {
        var database = TestDatabases.NewName("policy");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", i)));
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var request = new BackupPolicyRequest { Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromHours(24) };

        var first = await Run(request);
        await items.InsertOneAsync(new BsonDocument("_id", 100));
        var second = await Run(request);
        var third = await Run(request);

        Assert.Equal(PolicyAction.Full, first.Action);
        Assert.Equal(SnapshotKind.Full, first.Snapshot!.Kind);
        Assert.Equal(PolicyAction.Slice, second.Action);
        Assert.Equal(SnapshotKind.Oplog, second.Snapshot!.Kind);
        // Nothing was written since the slice, unless the primary sat idle for periodicNoopIntervalSecs and wrote periodic
        // no-ops: the policy then takes a slice of them alone, which carries the chain (and the restore window) up to them.
        if (third.Action == PolicyAction.Slice)
        {
            Assert.Equal(second.Snapshot.OplogEnd, third.Snapshot!.PreviousSliceEnd);
            Assert.Equal(PeriodicNoops.AssertOnlyNoopsBetween(server.Client, second.Snapshot.OplogEnd!.Value, third.Snapshot.OplogEnd!.Value),
                third.Snapshot.OplogEntries);
        }
        else
        {
            Assert.Equal(PolicyAction.Nothing, third.Action);
            Assert.Null(third.Snapshot);
        }
        Assert.Equal(third.Snapshot is null ? 2 : 3, (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Count);
        // The lease is released at the end of each run: another run takes it at once.
        var next = await repository.TryAcquireLeaseAsync("next-run", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(next.Acquired, $"the lease is still held by {next.HeldBy}");
        await next.Lease!.DisposeAsync();
    }

    [Fact]
    public async Task A_full_is_due_again_once_FullEvery_has_passed_since_the_newest_full_started()
    {
        await SeedAsync("policy_due");
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var request = new BackupPolicyRequest { Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromHours(1) };

        Assert.Equal(PolicyAction.Full, (await Run(request, clock)).Action);
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.NotEqual(PolicyAction.Full, (await Run(request, clock)).Action);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(PolicyAction.Full, (await Run(request, clock)).Action);
    }

    [Fact]
    public async Task A_run_while_another_holds_the_lease_is_skipped_at_once_naming_the_holder_and_writes_nothing()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var other = await repository.TryAcquireLeaseAsync("nightly-on-host-b", TimeSpan.FromMinutes(5), CancellationToken.None);

        var result = await Run(new BackupPolicyRequest { Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromHours(1) });

        Assert.Equal(PolicyAction.Skipped, result.Action);
        Assert.Equal("nightly-on-host-b", result.LeaseHeldBy);
        Assert.Equal(other.Lease!.ExpiresAt, result.LeaseHeldUntil);
        Assert.Contains("another run holds the repository lease (nightly-on-host-b", result.Reason);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        await other.Lease.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_killed_runs_lease_keeps_the_next_run_out_for_two_minutes_at_most()
    {
        await SeedAsync("policy_killed");
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var request = new BackupPolicyRequest { Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromHours(1) };
        // A run killed mid-backup: it took the lease as a run takes it, and neither renews nor releases it any more.
        var killed = await RepositoryLeases.TryAcquireAsync(repository, "host-a/pid 4242/killed", request.LeaseDuration, CancellationToken.None, clock);
        Assert.True(killed.Acquired);

        clock.Advance(TimeSpan.FromMinutes(1));
        var meanwhile = await Run(request, clock);
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var next = await Run(request, clock);

        Assert.Equal(PolicyAction.Skipped, meanwhile.Action);
        Assert.Equal("host-a/pid 4242/killed", meanwhile.LeaseHeldBy);
        Assert.Equal(PolicyAction.Full, next.Action);
        Assert.Single(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
    }

    [Fact]
    public async Task A_live_run_keeps_its_short_lease_however_long_it_runs_so_no_other_run_starts_beside_it()
    {
        await SeedAsync("policy_live");
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var clock = new ManualClock(DateTimeOffset.UtcNow) { DrivesTimers = true };
        var request = new BackupPolicyRequest { Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromHours(1) };
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        BackupPolicyRunner.LeaseTakenForTests = async (location, ct) =>
        {
            if (location != repository.Location) return; // another test's run
            holding.TrySetResult();
            await release.Task.WaitAsync(ct);
        };
        try
        {
            var first = Task.Run(() => Run(request, clock));
            await holding.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // Ten minutes of a long run, five times the lease's two: each renewal (every 40 s) is waited for before the clock moves on.
            var renewal = request.LeaseDuration / 3;
            for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(10); elapsed += renewal)
            {
                await clock.WaitForTimerAsync(clock.GetUtcNow() + renewal);
                clock.Advance(renewal);
            }
            await clock.WaitForTimerAsync(clock.GetUtcNow() + renewal);

            var beside = await Run(request with { HolderId = "second-scheduler" }, clock);
            release.SetResult();
            var finished = await first;

            Assert.Equal(PolicyAction.Skipped, beside.Action);
            Assert.Equal(request.HolderId, beside.LeaseHeldBy);
            Assert.Equal(PolicyAction.Full, finished.Action);
            Assert.Single(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        }
        finally
        {
            BackupPolicyRunner.LeaseTakenForTests = null;
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task Retention_runs_after_the_backup_and_reports_what_it_removed()
    {
        await SeedAsync("policy_keep");
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var request = new BackupPolicyRequest
        {
            Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromMinutes(1),
            Retention = new RetentionRules { KeepLast = 1 },
        };

        var first = await Run(request, clock);
        clock.Advance(TimeSpan.FromMinutes(2));
        var second = await Run(request, clock);

        Assert.Equal(PolicyAction.Full, second.Action);
        Assert.Equal([first.Snapshot!.Id], second.Removed);
        Assert.Equal([second.Snapshot!.Id], (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Select(s => s.Id));
    }

    [Fact]
    public async Task A_standalone_server_gets_fulls_only_and_nothing_in_between()
    {
        using var standalone = MongoTestServer.Start(new TestServerOptions { Log = TextWriter.Null });
        var client = new MongoDB.Driver.MongoClient(standalone.ConnectionString);
        await client.GetDatabase("app").GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));
        using var folder = new TempFolder();
        var request = new BackupPolicyRequest
        {
            Connection = new ConnectionSettings { ConnectionString = standalone.ConnectionString },
            Repository = new FolderRepository(folder.Path), FullEvery = TimeSpan.FromHours(1),
        };

        Assert.Equal(PolicyAction.Full, (await Run(request)).Action);
        var second = await Run(request);
        Assert.Equal(PolicyAction.Nothing, second.Action);
        Assert.Contains("standalone", second.Reason);
    }

    [Fact]
    public async Task Bad_policy_arguments_are_refused_naming_what_is_wrong()
    {
        using var folder = new TempFolder();
        var request = new BackupPolicyRequest { Connection = Connection, Repository = new FolderRepository(folder.Path), FullEvery = TimeSpan.Zero };
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => Run(request));
        Assert.Equal("FullEvery", error.Target);
        var noRules = request with { FullEvery = TimeSpan.FromHours(1), Retention = new RetentionRules() };
        Assert.Equal(ErrorIds.InvalidArgument, (await Assert.ThrowsAsync<MongoBackupException>(() => Run(noRules))).ErrorId);
    }

    private async Task SeedAsync(string purpose) =>
        await server.Client.GetDatabase(TestDatabases.NewName(purpose)).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));

    private static Task<BackupPolicyResult> Run(BackupPolicyRequest request, TimeProvider? clock = null) =>
        new BackupPolicyRunner(new RecordingObserver(), clock).RunAsync(request, CancellationToken.None);
}
