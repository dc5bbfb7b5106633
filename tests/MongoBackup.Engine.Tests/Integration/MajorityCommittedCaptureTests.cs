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
/// An oplog slice stores nothing a rollback can undo: only entries at or before the majority commit point the member reports
/// (hello's lastWrite.majorityOpTime). The test server holds that point back, as a primary whose secondaries stopped
/// replicating sees it, and rolls its oplog back, as a primary that lost its majority does when it rejoins the set.
/// </summary>
public sealed class MajorityCommittedCaptureTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly MongoClient _client;
    private readonly IMongoCollection<BsonDocument> _orders;
    private readonly TempFolder _folder = new();
    private readonly FolderRepository _repository;
    private readonly ConnectionSettings _connection;

    public MajorityCommittedCaptureTests()
    {
        _client = new MongoClient(_server.ConnectionString);
        _orders = _client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        _repository = new FolderRepository(_folder.Path);
        _connection = new ConnectionSettings { ConnectionString = _server.ConnectionString };
    }

    public void Dispose()
    {
        _client.Dispose();
        _folder.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task A_slice_taken_while_the_commit_point_lags_ends_at_it_and_the_next_one_takes_the_rest()
    {
        await FullBackupAsync();
        await _orders.InsertOneAsync(new BsonDocument("_id", "committed-1"));
        await _orders.InsertOneAsync(new BsonDocument("_id", "committed-2"));
        _server.HoldMajorityCommitPoint();
        var held = await CaptureWaits.LastOplogTimestampAsync(_client);
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending-1"));
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending-2"));

        var first = await new OplogSliceRunner(new RecordingObserver()).RunAsync(SliceRequest(), CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal(held, first.OplogEnd);
        Assert.Equal(["committed-1", "committed-2"], await OrderIdsAsync([first]));

        var observer = new RecordingObserver();
        Assert.Null(await new OplogSliceRunner(observer).RunAsync(SliceRequest(), CancellationToken.None));
        Assert.Contains(observer.Warnings, w => w.Contains("none after the end of the chain") && w.Contains($"majority commit point is {held}"));

        _server.ReleaseMajorityCommitPoint();
        var second = await new OplogSliceRunner(new RecordingObserver()).RunAsync(SliceRequest(), CancellationToken.None);
        Assert.NotNull(second);
        Assert.Equal(held, second.PreviousSliceEnd);
        Assert.Equal(["pending-1", "pending-2"], await OrderIdsAsync([second]));
    }

    [Fact]
    public async Task A_continuous_capture_stopped_while_the_commit_point_lags_keeps_only_what_is_committed()
    {
        await FullBackupAsync();
        await _orders.InsertOneAsync(new BsonDocument("_id", "committed-1"));
        _server.HoldMajorityCommitPoint();
        var held = await CaptureWaits.LastOplogTimestampAsync(_client);
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending-1"));
        var pending = await CaptureWaits.LastOplogTimestampAsync(_client);

        var observer = new RecordingObserver();
        using var stop = new CancellationTokenSource();
        var capture = StartCapture(observer, stop.Token);
        Assert.True(await WaitUntilWaitingPastAsync(observer, pending, capture), "the capture never waited for the commit point");
        await stop.CancelAsync();
        var slices = await capture;

        Assert.Equal(held, slices.Max(s => s.OplogEnd));
        Assert.Equal(["committed-1"], await OrderIdsAsync(slices));
    }

    [Fact]
    public async Task A_continuous_capture_takes_the_rest_once_the_commit_point_advances()
    {
        await FullBackupAsync();
        await _orders.InsertOneAsync(new BsonDocument("_id", "committed-1"));
        _server.HoldMajorityCommitPoint();
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending-1"));
        var firstPending = await CaptureWaits.LastOplogTimestampAsync(_client);
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending-2"));
        var newest = await CaptureWaits.LastOplogTimestampAsync(_client);

        var observer = new RecordingObserver();
        using var stop = new CancellationTokenSource();
        var capture = StartCapture(observer, stop.Token);
        Assert.True(await WaitUntilWaitingPastAsync(observer, firstPending, capture), "the capture never waited for the commit point");
        _server.ReleaseMajorityCommitPoint();
        Assert.True(await CaptureWaits.WaitUntilSlicedAsync(_repository, newest, capture), "the entries committed later were never sliced");
        await stop.CancelAsync();
        var slices = await capture;

        Assert.Equal(["committed-1", "pending-1", "pending-2"], await OrderIdsAsync(slices));
    }

    [Fact]
    public async Task A_rollback_of_entries_the_capture_waited_on_leaves_them_out_and_the_new_history_is_captured()
    {
        await FullBackupAsync();
        await _orders.InsertOneAsync(new BsonDocument("_id", "committed-1"));
        _server.HoldMajorityCommitPoint();
        var common = await CaptureWaits.LastOplogTimestampAsync(_client);
        await _orders.InsertOneAsync(new BsonDocument("_id", "lost-1"));
        var lost = await CaptureWaits.LastOplogTimestampAsync(_client);

        var observer = new RecordingObserver();
        using var stop = new CancellationTokenSource();
        var capture = StartCapture(observer, stop.Token);
        Assert.True(await WaitUntilWaitingPastAsync(observer, lost, capture), "the capture never waited for the commit point");
        _server.RollBackOplogTo(common.ToBsonTimestamp());
        await InsertAfterDropAsync(new BsonDocument("_id", "new-history"));
        _server.ReleaseMajorityCommitPoint();
        var newest = await CaptureWaits.LastOplogTimestampAsync(_client);
        Assert.True(await CaptureWaits.WaitUntilSlicedAsync(_repository, newest, capture), "the new history was never sliced");
        await stop.CancelAsync();
        var slices = await capture;

        Assert.Equal(["committed-1", "new-history"], await OrderIdsAsync(slices));
    }

    [Fact]
    public async Task A_member_that_rolled_back_past_the_last_entry_stored_stops_the_capture_naming_the_slice_and_the_entry()
    {
        // A majority-committed entry is never rolled back; a member whose reported point was wrong (or a set rebuilt from
        // an old copy behind the same address) can still lose one, and the capture must not stitch another history onto it.
        await FullBackupAsync();
        var observer = new RecordingObserver();
        using var stop = new CancellationTokenSource();
        var capture = StartCapture(observer, stop.Token);
        await _orders.InsertOneAsync(new BsonDocument("_id", "kept"));
        var common = await CaptureWaits.LastOplogTimestampAsync(_client);
        await _orders.InsertOneAsync(new BsonDocument("_id", "stored-then-lost"));
        var stored = await CaptureWaits.LastOplogTimestampAsync(_client);
        Assert.True(await CaptureWaits.WaitUntilAppendedAsync(observer, stored, capture), "the capture never appended the entry");

        _server.RollBackOplogTo(common.ToBsonTimestamp());
        await InsertAfterDropAsync(new BsonDocument("_id", "other-history"));
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => capture);

        Assert.Equal(ErrorIds.NoBaseSnapshot, error.ErrorId);
        var slices = (await new SnapshotCatalog(_repository).CompleteAsync(CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).ToList();
        var holding = Assert.Single(slices, s => s.OplogEnd == stored);
        Assert.Contains($"slice {holding.Id}", error.Message);
        Assert.Contains(stored.ToString(), error.Message);
        Assert.Contains("rolled back", error.Message);
        Assert.Equal(["kept", "stored-then-lost"], await OrderIdsAsync(slices));
    }

    /// <summary>
    /// A full backup is consistent at the newest entry once its collections are read, and holds the data and oplog up to
    /// it: it waits for the member's majority commit point to reach that entry before saving, so it holds nothing a
    /// rollback can undo, as a slice does.
    /// </summary>
    [Fact]
    public async Task A_full_backup_ending_past_the_commit_point_waits_for_it_and_ends_where_the_data_was_read()
    {
        await _orders.InsertOneAsync(new BsonDocument("_id", "base"));
        _server.HoldMajorityCommitPoint();
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending"));
        var pending = await CaptureWaits.LastOplogTimestampAsync(_client);
        OplogTimestamp? heldAt = null;
        var observer = new OnVerbose("waiting for its majority commit point", () =>
        {
            heldAt = OplogTimestamp.FromBsonTimestamp(_client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("hello", 1))["lastWrite"]["majorityOpTime"]["ts"].AsBsonTimestamp);
            _server.ReleaseMajorityCommitPoint();
        });

        var manifest = await new BackupRunner(observer).RunAsync(FullRequest(), CancellationToken.None);

        Assert.NotNull(heldAt);
        Assert.True(heldAt < pending, $"the commit point {heldAt} already covered {pending}");
        Assert.Equal(pending, manifest.ConsistentAt!.Timestamp);
        Assert.True(manifest.PointInTimeConsistent);
    }

    /// <summary>
    /// A commit point that stands still (a primary-secondary-arbiter set with its secondary down) must not stop every
    /// backup for as long as the incident lasts: the snapshot is kept, complete to the newest entry, with a warning saying
    /// what it may hold.
    /// </summary>
    [Fact]
    public async Task A_full_backup_whose_end_the_commit_point_never_reaches_is_kept_with_a_warning_naming_the_replica_set()
    {
        await _orders.InsertOneAsync(new BsonDocument("_id", "base"));
        _server.HoldMajorityCommitPoint();
        await _orders.InsertOneAsync(new BsonDocument("_id", "pending"));
        var pending = await CaptureWaits.LastOplogTimestampAsync(_client);
        var deadline = BackupRunner.CommitPointDeadline;
        BackupRunner.CommitPointDeadline = TimeSpan.FromSeconds(1);
        try
        {
            var observer = new RecordingObserver();
            var manifest = await new BackupRunner(observer).RunAsync(FullRequest(), CancellationToken.None);

            var warning = Assert.Single(observer.Warnings, w => w.Contains("majority commit point"));
            Assert.Contains("rs0's majority commit point", warning);
            Assert.Contains(pending.ToString(), warning);
            Assert.Contains("rollback could still undo", warning);
            Assert.Equal(pending, manifest.ConsistentAt!.Timestamp);
            var kept = Assert.Single(await new SnapshotCatalog(_repository).CompleteAsync(CancellationToken.None));
            Assert.Equal(manifest.Id, kept.Id);
        }
        finally
        {
            BackupRunner.CommitPointDeadline = deadline;
        }
    }

    private BackupRequest FullRequest() => new() { Connection = _connection, Repository = _repository, Filter = new NamespaceFilter(databases: ["app"]) };

    /// <summary>Records events, and runs <paramref name="then"/> once a verbose message holds <paramref name="marker"/>.</summary>
    private sealed class OnVerbose(string marker, Action then) : MongoBackup.Engine.Events.IEngineObserver
    {
        private Action? _then = then;

        public void Verbose(string message)
        {
            if (message.Contains(marker) && Interlocked.Exchange(ref _then, null) is { } once) once();
        }

        public void Warning(string message) { }
        public void Progress(MongoBackup.Engine.Events.ProgressUpdate update) { }
        public void NamespaceFailed(string ns, MongoBackupException error) { }
    }

    private Task<IReadOnlyList<SnapshotManifest>> StartCapture(RecordingObserver observer, CancellationToken ct) =>
        Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = SliceRequest(), SliceInterval = TimeSpan.FromMilliseconds(300), ReconnectDelay = TimeSpan.FromMilliseconds(100),
            CommitPointPollInterval = TimeSpan.FromMilliseconds(50),
        }, ct));

    private OplogSliceRequest SliceRequest() => new() { Connection = _connection, Repository = _repository };

    private async Task FullBackupAsync()
    {
        await _orders.InsertOneAsync(new BsonDocument("_id", "base"));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = _connection, Repository = _repository, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
    }

    /// <summary>An insert after the rollback dropped the connections: the driver's first use of a dropped one fails once.</summary>
    private async Task InsertAfterDropAsync(BsonDocument document)
    {
        try { await _orders.InsertOneAsync(document); }
        catch (MongoConnectionException) { await _orders.InsertOneAsync(document); }
    }

    /// <summary>Whether the capture says (at debug level) it waits for the commit point to pass <paramref name="ts"/>, before it ends or a minute passes.</summary>
    private static async Task<bool> WaitUntilWaitingPastAsync(RecordingObserver observer, OplogTimestamp ts, Task capture)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline && !capture.IsCompleted)
        {
            if (observer.Debugs.Any(d => d.Contains($"waits for the majority commit point to reach {ts}"))) return true;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>The _id of every insert into app.orders the slices hold, in chain order.</summary>
    private async Task<List<string>> OrderIdsAsync(IEnumerable<SnapshotManifest> slices)
    {
        var ids = new List<string>();
        await foreach (var raw in SliceEntries.ReadAsync(_repository, slices.OrderBy(s => s.OplogEnd!.Value).ToList(), keys: null, CancellationToken.None))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "app.orders") ids.Add(entry["o"]["_id"].AsString);
        }
        return ids;
    }
}
