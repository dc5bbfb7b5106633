using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A continuous capture whose server goes away and does not come back within the driver's server selection timeout (the
/// primary's machine died: the case point-in-time restore exists for). The entries already appended to the open slice
/// were read from the oplog of a server that is gone; they may be nowhere else. Whatever the capture does then (wait, or
/// give up with an error), they must stay in the repository as a complete slice, as a stop keeps them.
/// </summary>
public sealed class CaptureOutlivingItsServerTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task The_entries_of_the_open_slice_are_kept_when_the_server_never_comes_back()
    {
        // A short server selection timeout stands for the default 30 s: the failure comes the same way, sooner.
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString + "&serverSelectionTimeoutMS=1000" };
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
        using var stopCapture = new CancellationTokenSource();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository },
            SliceInterval = TimeSpan.FromHours(1), ReconnectDelay = TimeSpan.FromMilliseconds(200),
        }, stopCapture.Token));
        var written = Enumerable.Range(0, 20).ToList();
        foreach (var id in written) await orders.InsertOneAsync(new BsonDocument("_id", id));
        var newest = await client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("$natural", -1)).Limit(1).SingleAsync();
        Assert.True(await CaptureWaits.WaitUntilAppendedAsync(observer, OplogTimestamp.FromBsonTimestamp(newest["ts"].AsBsonTimestamp), capture), "the writes were never appended");

        _server.Dispose(); // the server is gone for good
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!capture.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(100);
        await stopCapture.CancelAsync();
        try { await capture; } catch (Exception) { /* giving up with an error is allowed; losing the entries is not */ }

        var complete = (await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).ToList();
        var captured = new List<int>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, complete, keys: null, CancellationToken.None))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "shop.orders") captured.Add(entry["o"]["_id"].AsInt32);
        }
        Assert.True(written.SequenceEqual(captured),
            $"the repository keeps {captured.Count} of the {written.Count} writes the capture had appended; the capture {(capture.IsFaulted ? $"failed: {capture.Exception!.InnerException!.Message}" : "ended")}");
    }
}
