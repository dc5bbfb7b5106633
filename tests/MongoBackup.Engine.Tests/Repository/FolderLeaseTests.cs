using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>The folder repository's lease: one live holder at a time, expiry instead of a lock held forever, renewal, release.</summary>
public sealed class FolderLeaseTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_second_holder_is_refused_while_the_lease_is_live_and_told_who_holds_it_until_when()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var first = await RepositoryLeases.TryAcquireAsync(repository, "run-a", Minute, CancellationToken.None);
        var second = await RepositoryLeases.TryAcquireAsync(repository, "run-b", Minute, CancellationToken.None);

        Assert.True(first.Acquired);
        Assert.False(second.Acquired);
        Assert.Equal("run-a", second.HeldBy);
        Assert.Equal(first.Lease!.ExpiresAt, second.HeldUntil);
        await first.Lease.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_released_lease_can_be_taken_again_and_listing_snapshots_never_sees_the_lease_file()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var first = await repository.TryAcquireLeaseAsync("run-a", Minute, CancellationToken.None);
        await using (first.Lease!) { Assert.Empty(await ListAsync(repository)); }

        var second = await repository.TryAcquireLeaseAsync("run-b", Minute, CancellationToken.None);
        Assert.True(second.Acquired);
        await second.Lease!.ReleaseAsync(CancellationToken.None);
        // The lease is gone; only the guard file whose OS lock serialises lease changes stays (it holds nothing).
        Assert.Equal([FolderLease.FileName + ".guard"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
        Assert.Empty(await ListAsync(repository));
    }

    [Fact]
    public async Task A_crashed_runs_lease_expires_and_is_taken_over_and_the_old_holder_learns_it_lost_it()
    {
        using var folder = new TempFolder();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-03-01T02:00:00Z"));
        var crashed = await FolderLease.TryAcquireAsync(folder.Path, "crashed-run", Minute, clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False((await FolderLease.TryAcquireAsync(folder.Path, "early", Minute, clock, CancellationToken.None)).Acquired);

        clock.Advance(TimeSpan.FromSeconds(2));
        var successor = await FolderLease.TryAcquireAsync(folder.Path, "successor", Minute, clock, CancellationToken.None);

        Assert.True(successor.Acquired);
        var lost = await Assert.ThrowsAsync<MongoBackupException>(() => crashed.Lease!.RenewAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.LeaseLost, lost.ErrorId);
        Assert.Contains("successor", lost.Message);
        // The old holder's release must not remove the successor's lease.
        await crashed.Lease!.ReleaseAsync(CancellationToken.None);
        var third = await FolderLease.TryAcquireAsync(folder.Path, "third", Minute, clock, CancellationToken.None);
        Assert.Equal("successor", third.HeldBy);
        await successor.Lease!.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Renewal_pushes_the_expiry_forward_so_a_long_run_keeps_the_repository()
    {
        using var folder = new TempFolder();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-03-01T02:00:00Z"));
        var lease = (await FolderLease.TryAcquireAsync(folder.Path, "long-run", Minute, clock, CancellationToken.None)).Lease!;
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(40));
            await lease.RenewAsync(CancellationToken.None);
        }

        Assert.Equal(clock.GetUtcNow() + Minute, lease.ExpiresAt);
        var other = await FolderLease.TryAcquireAsync(folder.Path, "other", Minute, clock, CancellationToken.None);
        Assert.False(other.Acquired);
        Assert.Equal("long-run", other.HeldBy);
        await lease.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Of_many_runs_racing_for_an_expired_lease_exactly_one_gets_it()
    {
        using var folder = new TempFolder();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-03-01T02:00:00Z"));
        await FolderLease.TryAcquireAsync(folder.Path, "crashed-run", Minute, clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            FolderLease.TryAcquireAsync(folder.Path, $"racer-{i}", Minute, clock, CancellationToken.None))));

        var winners = attempts.Where(a => a.Acquired).ToList();
        Assert.Single(winners);
        Assert.All(attempts.Where(a => !a.Acquired), a => Assert.Equal(winners[0].Lease!.HolderId, a.HeldBy));
    }

    [Fact]
    public async Task A_damaged_lease_file_does_not_block_the_repository_forever()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, FolderLease.FileName), "not json");
        var attempt = await FolderLease.TryAcquireAsync(folder.Path, "run", Minute, TimeProvider.System, CancellationToken.None);
        Assert.True(attempt.Acquired);
        await attempt.Lease!.ReleaseAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Too_short_a_lease_is_refused_naming_the_parameter()
    {
        using var folder = new TempFolder();
        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            RepositoryLeases.TryAcquireAsync(new FolderRepository(folder.Path), "run", TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Equal("LeaseDuration", error.Target);
    }

    [Fact]
    public async Task A_repository_kind_that_cannot_grant_a_lease_is_refused_clearly_instead_of_running_unguarded()
    {
        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            RepositoryLeases.TryAcquireAsync(new NoLeaseRepository(), "run", Minute, CancellationToken.None));
        Assert.Equal(ErrorIds.LeaseNotSupported, error.ErrorId);
        Assert.Contains("memory://scratch cannot grant a lease", error.Message);
    }

    private sealed class NoLeaseRepository : ISnapshotRepository
    {
        public string Location => "memory://scratch";
        public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct) => throw new InvalidOperationException("not used");
        public Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) => throw new InvalidOperationException("not used");
        public Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct) => throw new InvalidOperationException("not used");
        public IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct) => throw new InvalidOperationException("not used");
        public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => throw new InvalidOperationException("not used");
        public string? LocalPath(string snapshotId, string relativePath) => null;
    }

    private static async Task<List<ManifestReadResult>> ListAsync(ISnapshotRepository repository)
    {
        var list = new List<ManifestReadResult>();
        await foreach (var r in repository.ListAsync(CancellationToken.None)) list.Add(r);
        return list;
    }
}

/// <summary>A clock the test moves by hand, so expiry is tested without waiting.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
