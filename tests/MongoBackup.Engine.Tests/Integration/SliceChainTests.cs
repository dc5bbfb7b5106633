using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The slice chain as captures really leave it: overlapping slices from two captures that ran at once, and a chain
/// with a slice missing in the middle. Each test has its own in-memory server, so the oplog holds only its writes
/// and the number of entries a replay applies can be counted exactly.
/// </summary>
public sealed class SliceChainTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly List<TempFolder> _folders = [];
    private ConnectionSettings Connection => new() { ConnectionString = _server.ConnectionString };

    public void Dispose()
    {
        _server.Dispose();
        _folders.ForEach(f => f.Dispose());
    }

    [Fact]
    public async Task Slices_of_two_captures_that_overlap_restore_every_write_once_to_the_end_of_the_last()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", 0));
        var main = NewRepository();
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(
            new BackupRequest { Connection = Connection, Repository = main, Filter = new NamespaceFilter(databases: ["app"]) }, CancellationToken.None);

        // Two captures that do not see each other's slices, as a -Continuous one and a scheduled one at once:
        // "a" from the full snapshot on, "b" from the end of the first slice on; both land in the same repository.
        await InsertAsync(items, 1, 5);
        var first = await SliceAsync(main);
        var fromFull = await CopyOfAsync(main, full.Id);
        var fromFirst = await CopyOfAsync(main, full.Id, first.Id);
        await InsertAsync(items, 6, 10);
        var a = await SliceAsync(fromFull);
        await InsertAsync(items, 11, 15);
        var b = await SliceAsync(fromFirst);
        foreach (var (repository, slice) in new[] { (fromFull, a), (fromFirst, b) })
            await new SnapshotCopier(new RecordingObserver()).CopyAsync(repository, slice.Id, main, force: false, CancellationToken.None);
        Assert.True(first.OplogEnd < a.OplogEnd && b.PreviousSliceEnd < a.OplogEnd && a.OplogEnd < b.OplogEnd); // they overlap in part

        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(main, CancellationToken.None)));
        Assert.Equal(b.OplogEnd, window.To);
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = main, Limit = OplogLimit.AtClusterTime(b.OplogEnd!.Value),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename("app", "app_r") },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        // Inserts 1 to 15 in three writes of five (on the test server's MongoDB 7.0, one entry per document of a retryable
        // insertMany), each applied once, though the second write's are in both slices.
        Assert.Equal(15, outcome.SliceEntriesApplied);
        var restored = await client.GetDatabase("app_r").GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 16), restored.Select(d => d["_id"].AsInt32).Order());
    }

    [Fact]
    public async Task A_missing_middle_slice_is_named_by_the_window_the_refusal_and_the_next_capture()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", 0));
        var repository = NewRepository();
        await new BackupRunner(new RecordingObserver()).RunAsync(
            new BackupRequest { Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]) }, CancellationToken.None);
        await InsertAsync(items, 1, 2);
        var first = await SliceAsync(repository);
        await InsertAsync(items, 3, 4);
        var middle = await SliceAsync(repository);
        await InsertAsync(items, 5, 6);
        var third = await SliceAsync(repository);
        await repository.DeleteSnapshotAsync(middle.Id, CancellationToken.None);

        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)));
        Assert.Equal(first.OplogEnd, window.To);
        Assert.Equal(middle.OplogEnd, window.BreakAfter!.MissingUntil);
        Assert.Equal(third.Id, window.BreakAfter.ContinuedBy.Id);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => PointInTimeRestoreRunner.PlanAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(third.OplogEnd!.Value),
            Restore = new RestoreRequest { Connection = Connection },
        }, CancellationToken.None));
        Assert.Contains($"oplog slices are missing from {first.OplogEnd!.Value.WallTime:u} ({first.OplogEnd})", error.Message);
        Assert.Contains($"slice {third.Id} continues from {middle.OplogEnd}", error.Message);
        Assert.Contains("take a new full backup (Backup-MongoDatabase)", error.Message);

        await InsertAsync(items, 7, 7);
        var observer = new RecordingObserver();
        Assert.NotNull(await new OplogSliceRunner(observer).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"slice {third.Id} continues from {middle.OplogEnd}", warning);
        Assert.Contains("take a new full backup", warning);
    }

    private FolderRepository NewRepository()
    {
        var folder = new TempFolder();
        _folders.Add(folder);
        return new FolderRepository(folder.Path);
    }

    /// <summary>A new repository holding copies of <paramref name="ids"/>.</summary>
    private async Task<FolderRepository> CopyOfAsync(ISnapshotRepository source, params string[] ids)
    {
        var copy = NewRepository();
        foreach (var id in ids) await new SnapshotCopier(new RecordingObserver()).CopyAsync(source, id, copy, force: false, CancellationToken.None);
        return copy;
    }

    private async Task<SnapshotManifest> SliceAsync(ISnapshotRepository repository) =>
        await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None)
        ?? throw new InvalidOperationException("the oplog had nothing new for a slice");

    private static Task InsertAsync(IMongoCollection<BsonDocument> items, int from, int to) =>
        items.InsertManyAsync(Enumerable.Range(from, to - from + 1).Select(i => new BsonDocument("_id", i)), new InsertManyOptions { IsOrdered = true });
}
