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
/// give up with an error), they must stay in the repository as a complete slice, as a stop keeps them. Past
/// <see cref="ContinuousCaptureRequest.ReconnectTimeout"/> it gives up with ServerUnreachable.
/// </summary>
public sealed class CaptureOutlivingItsServerTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly TempFolder _repo = new();
    private readonly RecordingObserver _observer = new();

    public void Dispose()
    {
        _server.Dispose();
        _repo.Dispose();
    }

    [Fact]
    public async Task The_entries_of_the_open_slice_are_kept_when_the_server_never_comes_back()
    {
        using var stopCapture = new CancellationTokenSource();
        var (capture, written) = await CaptureWritesThenLoseTheServerAsync(TimeSpan.FromMinutes(10), stopCapture.Token);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!capture.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(100);
        await stopCapture.CancelAsync();
        try { await capture; } catch (Exception) { /* giving up with an error is allowed; losing the entries is not */ }

        var captured = await CapturedOrdersAsync();
        Assert.True(written.SequenceEqual(captured),
            $"the repository keeps {captured.Count} of the {written.Count} writes the capture had appended; the capture {(capture.IsFaulted ? $"failed: {capture.Exception!.InnerException!.Message}" : "ended")}");
    }

    [Fact]
    public async Task A_capture_whose_server_stays_away_past_the_limit_stops_with_ServerUnreachable_and_keeps_its_open_slice()
    {
        var (capture, written) = await CaptureWritesThenLoseTheServerAsync(TimeSpan.FromSeconds(2), CancellationToken.None);

        var stopped = await Assert.ThrowsAsync<MongoBackupException>(() => capture.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(ErrorIds.ServerUnreachable, stopped.ErrorId);
        Assert.Contains("could not be reached", stopped.Message);
        Assert.Equal(written, await CapturedOrdersAsync());
    }

    /// <summary>
    /// A full backup, a capture (a slice an hour, so only a stop or a failure closes it) that appends 20 inserts, then the
    /// server gone for good. A short server selection timeout stands for the default 30 s: the failure comes the same way, sooner.
    /// </summary>
    private async Task<(Task<IReadOnlyList<SnapshotManifest>> Capture, List<int> Written)> CaptureWritesThenLoseTheServerAsync(TimeSpan reconnectTimeout,
        CancellationToken stop)
    {
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString + "&serverSelectionTimeoutMS=1000" };
        using var client = new MongoClient(_server.ConnectionString);
        var orders = client.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        await orders.InsertOneAsync(new BsonDocument("_id", -1));
        var repository = new FolderRepository(_repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: ["shop"]),
        }, CancellationToken.None);

        var capture = Task.Run(() => new ContinuousOplogCapture(_observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository },
            SliceInterval = TimeSpan.FromHours(1), ReconnectDelay = TimeSpan.FromMilliseconds(200), ReconnectTimeout = reconnectTimeout,
        }, stop));
        var written = Enumerable.Range(0, 20).ToList();
        foreach (var id in written) await orders.InsertOneAsync(new BsonDocument("_id", id));
        Assert.True(await CaptureWaits.WaitUntilAppendedAsync(_observer, await CaptureWaits.LastOplogTimestampAsync(client), capture), "the writes were never appended");
        _server.Dispose(); // the server is gone for good
        return (capture, written);
    }

    /// <summary>The _id of every shop.orders insert the repository's complete slices hold, in order.</summary>
    private async Task<List<int>> CapturedOrdersAsync()
    {
        var repository = new FolderRepository(_repo.Path);
        var complete = (await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).ToList();
        var captured = new List<int>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, complete, keys: null, CancellationToken.None))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "shop.orders") captured.Add(entry["o"]["_id"].AsInt32);
        }
        return captured;
    }
}
