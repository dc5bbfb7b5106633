using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Housekeeping;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// A snapshot being read holds a read lease that a removal sees, on every repository kind: the removal is refused
/// naming the reader (-Force too) until the lease is released or expires; a removal under way refuses a new reader.
/// </summary>
public sealed class SnapshotReadLeaseTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private const string Id = "20260101T000000Z-full-read";

    private async Task<ISnapshotRepository> RepositoryWithSnapshotAsync(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        await SnapshotHistory.WriteAsync(repository, Id, 10);
        return repository;
    }

    private static async Task<bool> ExistsAsync(ISnapshotRepository repository) =>
        (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Any(m => m.Id == Id);

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_removal_is_refused_naming_the_reader_while_it_reads_and_goes_ahead_once_it_is_done(StoreKind kind)
    {
        var repository = await RepositoryWithSnapshotAsync(kind);
        var observer = new RecordingObserver();
        var lease = await SnapshotReadLease.AcquireAsync(repository, [Id], "restore", observer, CancellationToken.None);
        Assert.NotNull(lease);

        foreach (var force in new[] { false, true })
        {
            var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
                new SnapshotRemover(observer).RemoveAsync(repository, [Id], force, CancellationToken.None));
            Assert.Equal(ErrorIds.SnapshotBeingRead, refused.ErrorId);
            Assert.Contains($"Snapshot {Id} is being read by {lease!.HolderId}", refused.Message);
            Assert.Contains("(restore)", refused.Message);
            Assert.True(await ExistsAsync(repository));
        }

        await lease!.DisposeAsync();
        Assert.Empty(await ((ISnapshotMarks)repository).ReadMarksAsync(Id, SnapshotReadLease.MarkPrefix, CancellationToken.None));
        await new SnapshotRemover(observer).RemoveAsync(repository, [Id], force: false, CancellationToken.None);
        Assert.False(await ExistsAsync(repository));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task The_mark_of_a_reader_that_crashed_expires_and_no_longer_holds_the_snapshot(StoreKind kind)
    {
        var repository = await RepositoryWithSnapshotAsync(kind);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // Not released while the removal runs: as a reader killed half-way leaves it.
        var crashed = await SnapshotReadLease.AcquireAsync(repository, [Id], "restore", new RecordingObserver(), CancellationToken.None, clock);
        await Assert.ThrowsAsync<MongoBackupException>(() => new SnapshotRemover(new RecordingObserver(), clock).RemoveAsync(repository, [Id], false, CancellationToken.None));

        clock.Advance(SnapshotReadLease.DefaultDuration + TimeSpan.FromSeconds(1));
        await new SnapshotRemover(new RecordingObserver(), clock).RemoveAsync(repository, [Id], force: false, CancellationToken.None);

        Assert.False(await ExistsAsync(repository));
        await crashed!.DisposeAsync(); // only to stop its renewal timer in this test process
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_reader_arriving_while_a_removal_is_under_way_is_refused_and_leaves_no_mark(StoreKind kind)
    {
        var repository = await RepositoryWithSnapshotAsync(kind);
        var marks = (ISnapshotMarks)repository;
        var removing = await SnapshotRemovalMarks.MarkAsync(marks, [Id], "host/pid 1/remover (removal)", TimeProvider.System, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            SnapshotReadLease.AcquireAsync(repository, [Id], "restore", new RecordingObserver(), CancellationToken.None));

        Assert.Equal(ErrorIds.SnapshotNotFound, refused.ErrorId);
        Assert.Contains("is being removed by host/pid 1/remover (removal)", refused.Message);
        Assert.Empty(await marks.ReadMarksAsync(Id, SnapshotReadLease.MarkPrefix, CancellationToken.None));
        await SnapshotRemovalMarks.ClearAsync(marks, [Id], removing);
    }

    [Fact]
    public async Task A_long_read_renews_its_lease_before_it_runs_out()
    {
        var repository = await RepositoryWithSnapshotAsync(StoreKind.Folder);
        var marks = (ISnapshotMarks)repository;
        await using var lease = await SnapshotReadLease.AcquireAsync(repository, [Id], "restore", new RecordingObserver(), CancellationToken.None,
            duration: TimeSpan.FromMilliseconds(900));
        var first = LeaseRecord.TryParse(Assert.Single(await marks.ReadMarksAsync(Id, SnapshotReadLease.MarkPrefix, CancellationToken.None)).Content)!;

        var deadline = DateTime.UtcNow.AddSeconds(20);
        LeaseRecord? renewed = null;
        while (DateTime.UtcNow < deadline)
        {
            renewed = LeaseRecord.TryParse(Assert.Single(await marks.ReadMarksAsync(Id, SnapshotReadLease.MarkPrefix, CancellationToken.None)).Content);
            if (renewed!.ExpiresAt > first.ExpiresAt) break;
            await Task.Delay(50);
        }

        Assert.True(renewed!.ExpiresAt > first.ExpiresAt, "the lease was never renewed");
        Assert.Equal(first.Token, renewed.Token);
    }

    [Fact]
    public async Task Retention_leaves_a_snapshot_being_read_for_a_later_run_and_removes_the_rest()
    {
        var repository = await services.NewRepositoryAsync(StoreKind.Folder);
        await SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-aaaa", 3);
        await SnapshotHistory.WriteAsync(repository, "20260102T000000Z-full-bbbb", 3);
        var observer = new RecordingObserver();
        await using var lease = await SnapshotReadLease.AcquireAsync(repository, ["20260101T000000Z-full-aaaa"], "test", observer, CancellationToken.None);

        var removed = await new SnapshotRemover(observer).RemoveAsync(repository, ["20260101T000000Z-full-aaaa", "20260102T000000Z-full-bbbb"],
            force: false, CancellationToken.None, skipBeingRead: true);

        Assert.Equal(["20260102T000000Z-full-bbbb"], removed);
        Assert.Contains(observer.Warnings, w => w.Contains("20260101T000000Z-full-aaaa is being read") && w.Contains("(test)"));
        Assert.Equal(["20260101T000000Z-full-aaaa"], (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Select(m => m.Id));
    }
}
