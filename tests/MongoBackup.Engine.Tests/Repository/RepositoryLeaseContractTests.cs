using MongoBackup.Engine.Tests.Support;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// What every repository lease must do, over a folder, Azure Blob Storage (Azurite) and S3 (s3rver with AWS's
/// conditional PUTs): one live holder at a time, expiry instead of a lock held forever, exactly one winner when runs
/// race for an expired lease, renewal, release that never removes a successor's lease, damaged leases that cannot
/// block. Expiry is judged by a clock the test moves, so nothing waits.
/// </summary>
public sealed class RepositoryLeaseContractTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-03-01T02:00:00Z"));

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_free_repository_grants_the_lease_and_listing_snapshots_never_sees_it(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);

        var attempt = await RepositoryLeases.TryAcquireAsync(repository, "nightly on host-a", Minute, CancellationToken.None);

        var lease = Assert.IsAssignableFrom<IRepositoryLease>(attempt.Lease);
        Assert.Equal("nightly on host-a", lease.HolderId);
        Assert.InRange(lease.ExpiresAt, DateTimeOffset.UtcNow + Minute - TimeSpan.FromSeconds(30), DateTimeOffset.UtcNow + Minute);
        Assert.Empty(await ListAsync(repository));
        await lease.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_second_holder_is_refused_and_told_who_holds_it_until_when(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var other = await services.ReopenAsync(repository, kind);

        var first = await AcquireAsync(repository, "run-a");
        var second = await AcquireAsync(other, "run-b");

        Assert.True(first.Acquired);
        Assert.False(second.Acquired);
        Assert.Equal("run-a", second.HeldBy);
        Assert.Equal(first.Lease!.ExpiresAt, second.HeldUntil);
        await first.Lease.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_crashed_runs_lease_is_taken_over_once_it_expires_and_not_before(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        Assert.True((await AcquireAsync(repository, "crashed-run")).Acquired);

        _clock.Advance(TimeSpan.FromSeconds(59));
        var early = await AcquireAsync(repository, "early");
        _clock.Advance(TimeSpan.FromSeconds(2));
        var successor = await AcquireAsync(repository, "successor");

        Assert.Equal("crashed-run", early.HeldBy);
        Assert.True(successor.Acquired);
        Assert.Equal(_clock.GetUtcNow() + Minute, successor.Lease!.ExpiresAt);
        Assert.Equal("successor", (await AcquireAsync(repository, "third")).HeldBy);
        await successor.Lease.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Of_two_runs_taking_over_the_same_expired_lease_at_once_exactly_one_wins_every_time(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        // Two repository objects, as two processes have: nothing in memory is shared between the racers.
        var racers = new[] { repository, await services.ReopenAsync(repository, kind) };
        for (var round = 0; round < 15; round++)
        {
            Assert.True((await AcquireAsync(repository, $"crashed-{round}")).Acquired, $"round {round}: the previous winner's released lease was not free");
            _clock.Advance(TimeSpan.FromMinutes(2));

            using var start = new Barrier(racers.Length);
            var attempts = await Task.WhenAll(racers.Select((racer, i) => Task.Run(async () =>
            {
                start.SignalAndWait();
                return await AcquireAsync(racer, $"racer-{round}-{i}");
            })));

            var winner = Assert.Single(attempts, a => a.Acquired);
            var loser = Assert.Single(attempts, a => !a.Acquired);
            Assert.Equal(winner.Lease!.HolderId, loser.HeldBy);
            await winner.Lease.ReleaseAsync(CancellationToken.None);
        }
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Renewal_pushes_the_expiry_forward_so_a_long_run_keeps_the_repository(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var lease = (await AcquireAsync(repository, "long-run")).Lease!;
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(40));
            await lease.RenewAsync(CancellationToken.None);
        }

        Assert.Equal(_clock.GetUtcNow() + Minute, lease.ExpiresAt);
        _clock.Advance(TimeSpan.FromSeconds(50));
        var other = await AcquireAsync(repository, "other");
        Assert.False(other.Acquired);
        Assert.Equal("long-run", other.HeldBy);
        Assert.Equal(lease.ExpiresAt, other.HeldUntil);
        await lease.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Renewing_after_a_takeover_fails_with_LeaseLost_naming_the_new_holder(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var stalled = (await AcquireAsync(repository, "stalled-run")).Lease!;
        _clock.Advance(TimeSpan.FromMinutes(2));
        var successor = (await AcquireAsync(repository, "successor")).Lease!;

        var lost = await Assert.ThrowsAsync<MongoBackupException>(() => stalled.RenewAsync(CancellationToken.None));

        Assert.Equal(ErrorIds.LeaseLost, lost.ErrorId);
        Assert.Contains("stalled-run", lost.Message);
        Assert.Contains("taken over by successor", lost.Message);
        await successor.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_released_lease_is_free_at_once_for_the_next_run(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        await using (var first = (await AcquireAsync(repository, "run-a")).Lease!)
            Assert.Equal("run-a", (await AcquireAsync(repository, "meanwhile")).HeldBy);

        var next = await AcquireAsync(repository, "run-b");

        Assert.True(next.Acquired, $"refused by {next.HeldBy} until {next.HeldUntil}");
        await next.Lease!.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Releasing_after_a_takeover_leaves_the_successors_lease_in_place(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var stalled = (await AcquireAsync(repository, "stalled-run")).Lease!;
        _clock.Advance(TimeSpan.FromMinutes(2));
        var successor = (await AcquireAsync(repository, "successor")).Lease!;

        await stalled.ReleaseAsync(CancellationToken.None);

        var third = await AcquireAsync(repository, "third");
        Assert.False(third.Acquired);
        Assert.Equal("successor", third.HeldBy);
        await successor.RenewAsync(CancellationToken.None);
        await successor.ReleaseAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_damaged_lease_object_counts_as_expired_and_does_not_block_the_repository(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        await services.WriteRawAsync(repository, kind, ConditionalObjectLease.ObjectName, "{\"holder\": \"half-writ");

        var attempt = await AcquireAsync(repository, "run");

        Assert.True(attempt.Acquired, $"refused by {attempt.HeldBy}");
        Assert.Equal("run", (await AcquireAsync(repository, "run-b")).HeldBy);
        await attempt.Lease!.ReleaseAsync(CancellationToken.None);
    }

    private Task<LeaseAttempt> AcquireAsync(ISnapshotRepository repository, string holder) =>
        ((ILeasableRepository)repository).TryAcquireLeaseAsync(holder, Minute, _clock, CancellationToken.None);

    private static async Task<List<ManifestReadResult>> ListAsync(ISnapshotRepository repository)
    {
        var list = new List<ManifestReadResult>();
        await foreach (var r in repository.ListAsync(CancellationToken.None)) list.Add(r);
        return list;
    }
}
