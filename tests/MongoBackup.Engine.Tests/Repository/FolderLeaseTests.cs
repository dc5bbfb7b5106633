using MongoBackup.Engine.Tests.Support;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// The folder lease under many racers at once, and the argument checks of <see cref="RepositoryLeases"/>. The lease
/// contract itself (refusal, expiry, takeover, renewal, release, damage) is tested for every kind in RepositoryLeaseContractTests.
/// </summary>
public sealed class FolderLeaseTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Of_many_runs_racing_for_an_expired_lease_exactly_one_gets_it()
    {
        using var folder = new TempFolder();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-03-01T02:00:00Z"));
        await new FolderRepository(folder.Path).TryAcquireLeaseAsync("crashed-run", Minute, clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            new FolderRepository(folder.Path).TryAcquireLeaseAsync($"racer-{i}", Minute, clock, CancellationToken.None))));

        var winners = attempts.Where(a => a.Acquired).ToList();
        Assert.Single(winners);
        Assert.All(attempts.Where(a => !a.Acquired), a => Assert.Equal(winners[0].Lease!.HolderId, a.HeldBy));
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
