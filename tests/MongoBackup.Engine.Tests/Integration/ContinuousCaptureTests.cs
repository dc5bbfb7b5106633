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
/// Continuous capture across a dropped connection and a server restart keeps an unbroken chain of slices that
/// holds every write exactly once. It drops and restarts the server it runs against, so it has its own.
/// </summary>
public sealed class ContinuousCaptureTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task The_chain_stays_unbroken_across_a_dropped_connection_and_a_restart()
    {
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString };
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var full = await FullBackupAsync(connection, repository, events);

        var observer = new RecordingObserver();
        // Stopped as Ctrl+C stops it, once the last write is in a slice: a fixed duration would cut a slow machine short.
        using var stopCapture = new CancellationTokenSource();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository },
            SliceInterval = TimeSpan.FromMilliseconds(400), ReconnectDelay = TimeSpan.FromMilliseconds(200),
        }, stopCapture.Token));

        // Three rounds of writes, each waited on until a slice holds it: a dropped connection between the first two, a
        // restart between the last two, and at least one slice for each round.
        var inserted = new List<int>();
        for (var i = 0; i < 120; i++)
        {
            if (i is 40 or 80) await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture);
            if (i == 40) _server.DropAllConnections();
            if (i == 80) _server.Restart();
            await InsertWithRetryAsync(events, i);
            inserted.Add(i);
        }
        await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture);
        await stopCapture.CancelAsync();
        var slices = await capture;

        Assert.True(slices.Count >= 3, $"expected several slices, got {slices.Count}");
        Assert.Contains(observer.Warnings, w => w.Contains("Lost the connection"));
        var chain = slices.OrderBy(s => s.OplogEnd!.Value).ToList();
        Assert.Equal(full.ConsistentAt!.Timestamp, chain[0].PreviousSliceEnd);
        for (var i = 1; i < chain.Count; i++) Assert.Equal(chain[i - 1].OplogEnd, chain[i].PreviousSliceEnd);
        Assert.All(chain, s => Assert.Null(s.Gap));

        var capturedIds = new List<int>();
        var timestamps = new List<OplogTimestamp>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, chain, keys: null, CancellationToken.None))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            timestamps.Add(OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp));
            if (entry["op"] == "i" && entry["ns"] == "app.events") capturedIds.Add(entry["o"]["_id"].AsInt32);
        }
        Assert.Equal(inserted, capturedIds);                       // every write, once, in order
        Assert.Equal(timestamps.Distinct().Count(), timestamps.Count); // nothing repeated
        Assert.Equal(timestamps.Order(), timestamps);
    }

    [Fact]
    public async Task A_stop_closes_the_open_slice_whole_with_every_entry_appended_before_it()
    {
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString };
        using var client = new MongoClient(_server.ConnectionString);
        var orders = client.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await FullBackupAsync(connection, repository, orders);

        // An hour's interval: the only slice is the one open when the capture is stopped (as Ctrl+C and SIGTERM stop it).
        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository }, SliceInterval = TimeSpan.FromHours(1),
        }, stopCapture.Token));
        var written = Enumerable.Range(0, 20).ToList();
        foreach (var id in written) await orders.InsertOneAsync(new BsonDocument("_id", id));
        var last = await CaptureWaits.LastOplogTimestampAsync(client);
        await CaptureWaits.WaitUntilAppendedAsync(observer, last, capture);
        await stopCapture.CancelAsync();
        var slices = await capture;

        var slice = Assert.Single(slices);
        Assert.True(slice.OplogEnd >= last, $"the slice ends at {slice.OplogEnd}, before the last write {last}");
        var listed = new List<SnapshotManifest>();
        await foreach (var found in repository.ListAsync(CancellationToken.None))
            if (found.Manifest is { Kind: SnapshotKind.Oplog } manifest) listed.Add(manifest);
        Assert.Equal(SnapshotStatus.Complete, Assert.Single(listed).Status);
        var captured = new List<int>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, slices, keys: null, CancellationToken.None))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "shop.orders") captured.Add(entry["o"]["_id"].AsInt32);
        }
        Assert.Equal(written, captured);
    }

    /// <summary>The full backup a chain of slices continues: <paramref name="collection"/>'s database, holding one document (_id -1).</summary>
    private static async Task<SnapshotManifest> FullBackupAsync(ConnectionSettings connection, ISnapshotRepository repository, IMongoCollection<BsonDocument> collection)
    {
        await collection.InsertOneAsync(new BsonDocument("_id", -1));
        return await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository,
            Filter = new NamespaceFilter(databases: [collection.CollectionNamespace.DatabaseNamespace.DatabaseName]),
        }, CancellationToken.None);
    }

    private static async Task InsertWithRetryAsync(IMongoCollection<BsonDocument> events, int id)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await events.InsertOneAsync(new BsonDocument("_id", id));
                return;
            }
            catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey)
            {
                return; // the first attempt went through before the connection dropped
            }
            catch (Exception e) when (attempt < 20 && ConnectionLoss.IsResumable(e))
            {
                await Task.Delay(100);
            }
        }
    }
}
