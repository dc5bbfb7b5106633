using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// An oplog that rolls over between two slices: the gap is recorded, two restore windows show, and a restore
/// into the gap is refused naming the missing span. This needs an oplog of a size the test controls, so it
/// always runs on its own in-memory server (a real server's oplog cannot be made this small).
/// </summary>
public sealed class OplogRolloverTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", OplogSizeMB = 1, Log = TextWriter.Null });
    private ConnectionSettings Connection => new() { ConnectionString = _server.ConnectionString };

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_rolled_over_oplog_is_a_recorded_gap_between_two_windows_and_restores_into_it_are_refused()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var c = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        await c.InsertOneAsync(new BsonDocument("_id", -1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var request = new BackupRequest { Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]) };

        var firstFull = await new BackupRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);
        await c.InsertOneAsync(new BsonDocument("_id", 0));
        var firstSlice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        Assert.NotNull(firstSlice);

        // About 3 MB of writes through a 1 MB oplog: the entries after the first slice roll out.
        var pad = new string('x', 10_000);
        for (var i = 1; i <= 300; i++) await c.InsertOneAsync(new BsonDocument { { "_id", i }, { "pad", pad } });
        var lostMoment = new OplogTimestamp(firstSlice.OplogEnd!.Value.Seconds, firstSlice.OplogEnd!.Value.Increment + 1);

        var secondFull = await new BackupRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);
        await c.InsertOneAsync(new BsonDocument("_id", 1000));
        var observer = new RecordingObserver();
        var gapSlice = await new OplogSliceRunner(observer).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);

        Assert.NotNull(gapSlice);
        Assert.NotNull(gapSlice.Gap);
        Assert.Equal(firstSlice.OplogEnd, gapSlice.Gap!.From);
        Assert.Contains(observer.Warnings, w => w.Contains("rolled past"));

        var windows = RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        Assert.Equal(2, windows.Count);
        Assert.Equal(firstFull.Id, windows[0].BaseSnapshot.Id);
        Assert.Equal(firstSlice.OplogEnd, windows[0].To);
        Assert.Equal(secondFull.Id, windows[1].BaseSnapshot.Id);
        Assert.Equal(gapSlice.OplogEnd, windows[1].To);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(lostMoment),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename("app", "app_r") },
        }, CancellationToken.None));
        Assert.Equal(ErrorIds.OutsideRestoreWindow, error.ErrorId);
        Assert.Contains("lost", error.Message);
        Assert.DoesNotContain("app_r", await (await client.ListDatabaseNamesAsync()).ToListAsync());
    }
}
