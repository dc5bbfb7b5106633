using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// How long a continuous capture waits out a server that went away (<see cref="ContinuousCaptureRequest.ReconnectTimeout"/>):
/// past it the capture stops on its own with ServerUnreachable, a MongoBackup error naming the cause, and the slice it had
/// open is committed Complete with every entry it held. It has its own server, which it stops.
/// </summary>
public sealed class CaptureReconnectLimitTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_capture_whose_server_stays_away_past_the_limit_stops_with_ServerUnreachable_and_keeps_its_open_slice()
    {
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString + "&serverSelectionTimeoutMS=500" };
        using var client = new MongoClient(_server.ConnectionString);
        var orders = client.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        await orders.InsertOneAsync(new BsonDocument("_id", -1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: ["shop"]),
        }, CancellationToken.None);

        var observer = new RecordingObserver();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository },
            SliceInterval = TimeSpan.FromHours(1), ReconnectDelay = TimeSpan.FromMilliseconds(100), ReconnectTimeout = TimeSpan.FromSeconds(2),
        }, CancellationToken.None));
        foreach (var id in Enumerable.Range(0, 5)) await orders.InsertOneAsync(new BsonDocument("_id", id));
        var newest = await CaptureWaits.LastOplogTimestampAsync(client);
        Assert.True(await CaptureWaits.WaitUntilAppendedAsync(observer, newest, capture), "the writes were never appended");

        _server.Dispose();
        var stopped = await Assert.ThrowsAsync<MongoBackupException>(() => capture.WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Equal(ErrorIds.ServerUnreachable, stopped.ErrorId);
        Assert.Contains("could not be reached", stopped.Message);
        var slice = Assert.Single(await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None), s => s.Kind == SnapshotKind.Oplog);
        Assert.Equal(newest, slice.OplogEnd);
        Assert.True(slice.OplogEntries >= 5, $"{slice.OplogEntries} entries kept");
    }
}
