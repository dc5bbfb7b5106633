using System.IO.Compression;
using System.Text;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Model;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// The one way a snapshot is written (<see cref="PendingSnapshot"/>), on a folder, Azure Blob Storage (Azurite) and S3
/// (s3rver with AWS's conditional PUTs): an id is reserved before any file, two writers that draw the same id each keep
/// their own snapshot, and a committed manifest is never replaced by a new one.
/// </summary>
public sealed class PendingSnapshotTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private const string Same = "20261130T120000Z-oplog-0001";
    private const string Other = "20261130T120000Z-oplog-0002";
    private static readonly DateTimeOffset Started = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Two_writers_that_draw_the_same_id_each_keep_their_own_snapshot(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var catalog = new SnapshotCatalog(repository);
        var secondIds = new ScriptedIds(Same, Other);

        // Both started before either writes a file or commits: the second must not take the first's id.
        await using var first = await StartAsync(catalog, new ScriptedIds(Same));
        await using var second = await StartAsync(catalog, secondIds);
        await WriteAsync(first, "first writer");
        await WriteAsync(second, "second writer");
        await first.CommitAsync(Manifest(first.Id), CancellationToken.None);
        await second.CommitAsync(Manifest(second.Id), CancellationToken.None);

        Assert.Equal(Same, first.Id);
        Assert.Equal(Other, second.Id);
        Assert.Equal([Same, Other], secondIds.Drawn);
        var listed = await SnapshotCatalog.LoadCompleteAsync(await services.ReopenAsync(repository, kind), CancellationToken.None);
        Assert.Equal([Same, Other], listed.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.Equal("first writer", await ReadAsync(repository, Same));
        Assert.Equal("second writer", await ReadAsync(repository, Other));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task An_id_is_reserved_once_and_a_committed_snapshots_id_is_never_reserved_again(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);

        Assert.True(await repository.TryReserveAsync(Same, CancellationToken.None));
        Assert.False(await repository.TryReserveAsync(Same, CancellationToken.None));
        var reserved = await repository.ReadManifestAsync(Same, CancellationToken.None);
        Assert.Equal(ManifestState.Missing, reserved!.State); // reserved and unfinished: never taken for a snapshot

        await repository.CommitManifestAsync(SnapshotManifestTests.Sample(Other), CancellationToken.None);
        Assert.False(await repository.TryReserveAsync(Other, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_new_manifest_is_never_committed_over_another(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var original = SnapshotManifestTests.Sample(Same);
        original.Tags = new Dictionary<string, string> { ["who"] = "first" };
        await repository.CommitNewManifestAsync(original, CancellationToken.None);
        var intruder = SnapshotManifestTests.Sample(Same);
        intruder.Tags = new Dictionary<string, string> { ["who"] = "second" };

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => repository.CommitNewManifestAsync(intruder, CancellationToken.None));

        Assert.Equal(ErrorIds.SnapshotExists, error.ErrorId);
        Assert.Contains(Same, error.Message);
        var kept = await SnapshotCatalog.FindAsync(await services.ReopenAsync(repository, kind), Same, CancellationToken.None);
        Assert.Equal("first", kept.Tags["who"]);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task An_abandoned_snapshot_leaves_nothing_and_a_failed_clean_up_is_a_warning_not_an_error(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var warnings = new List<string>();
        var pending = await PendingSnapshot.StartNewAsync(new SnapshotCatalog(repository), "oplog", Started,
            new NewSnapshotOptions(Compression.None, CompressionLevel.Fastest, null) { Ids = new ScriptedIds(Same) }, warnings.Add, CancellationToken.None);
        await WriteAsync(pending, "abandoned");

        Assert.True(await pending.AbandonAsync());
        Assert.Null(await repository.ReadManifestAsync(Same, CancellationToken.None)); // no object, no folder of that id is left
        Assert.Empty(warnings);

        var breaking = new BreakingRepository(repository, deleteFails: true);
        var stuck = await PendingSnapshot.StartNewAsync(new SnapshotCatalog(breaking), "oplog", Started,
            new NewSnapshotOptions(Compression.None, CompressionLevel.Fastest, null) { Ids = new ScriptedIds(Other) }, warnings.Add, CancellationToken.None);
        await WriteAsync(stuck, "left behind");
        var error = await Assert.ThrowsAsync<IOException>(() => stuck.CommitAsync(Manifest(Other), CancellationToken.None));

        Assert.Same(breaking.CommitFailure, error);
        Assert.Contains(warnings, w => w.Contains(Other) && w.Contains("injected: the store refused the delete"));
        var left = await repository.ReadManifestAsync(Other, CancellationToken.None);
        Assert.Equal(ManifestState.Missing, left!.State); // what the store kept lists as unfinished: never restored
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_writer_holds_a_mark_until_it_commits_and_a_crashed_writers_snapshot_is_removable_once_its_mark_expires(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var marks = repository.Marks!;
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var crashed = await StartAsync(new SnapshotCatalog(repository), new ScriptedIds(Same));
        await WriteAsync(crashed, "never finished");
        Assert.Single(await marks.ReadMarksAsync(Same, SnapshotReadLease.WriterMarkPrefix, CancellationToken.None));

        // Live: refused even with -Force. Expired (the writer crashed and stopped renewing it): removed as any unfinished snapshot.
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(new RecordingObserver(), clock).RemoveAsync(repository, [Same], force: true, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotBeingWritten, refused.ErrorId);
        // Past the mark's own expiry: it was written (on the wall clock) after the clock was made, later still on a slow store.
        var mark = LeaseRecord.TryParse((await marks.ReadMarksAsync(Same, SnapshotReadLease.WriterMarkPrefix, CancellationToken.None)).Single().Content)!;
        clock.Advance(mark.ExpiresAt - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await new SnapshotRemover(new RecordingObserver(), clock).RemoveAsync(repository, [Same], force: false, CancellationToken.None);
        Assert.Null(await repository.ReadManifestAsync(Same, CancellationToken.None));
        await crashed.DisposeAsync(); // only to stop its renewal in this test process

        await using var finished = await StartAsync(new SnapshotCatalog(repository), new ScriptedIds(Other));
        await WriteAsync(finished, "finished");
        await finished.CommitAsync(Manifest(Other), CancellationToken.None);
        Assert.Empty(await marks.ReadMarksAsync(Other, SnapshotReadLease.WriterMarkPrefix, CancellationToken.None));
    }

    private static Task<PendingSnapshot> StartAsync(SnapshotCatalog catalog, SnapshotIdSource ids) =>
        PendingSnapshot.StartNewAsync(catalog, "oplog", Started,
            new NewSnapshotOptions(Compression.None, CompressionLevel.Fastest, null) { Ids = ids }, _ => { }, CancellationToken.None);

    private static async Task WriteAsync(PendingSnapshot pending, string text)
    {
        await using var stream = await pending.Files!.CreateAsync("oplog.bson", CancellationToken.None);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    private static async Task<string> ReadAsync(ISnapshotRepository repository, string id)
    {
        await using var stream = await repository.OpenReadAsync(id, "oplog.bson", CancellationToken.None);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    private static SnapshotManifest Manifest(string id) => new()
    {
        Id = id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete, Compression = Compression.None, StartTime = Started,
    };
}
