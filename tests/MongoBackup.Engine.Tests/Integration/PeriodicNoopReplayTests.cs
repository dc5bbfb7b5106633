using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// An idle primary's periodic no-ops ({op: "n", o: {msg: "periodic noop"}}, every periodicNoopIntervalSecs without a write,
/// src/mongo/db/repl/noop_writer.cpp) in the oplog a backup and its slices save: stored and counted as the entries they
/// are, never replayed, and not counted among the entries a restore applied. The server's no-op writer is ticked by hand
/// here, so the no-ops come where the test puts them, not when its timer fires.
/// </summary>
public sealed class PeriodicNoopReplayTests : IDisposable
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly TempFolder _folder = new();
    private ConnectionSettings Connection => new() { ConnectionString = _server.ConnectionString };

    public void Dispose()
    {
        _server.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_point_in_time_restore_through_a_slice_holding_periodic_noops_applies_only_the_writes()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var (items, repository, full) = await FullBackupOfOneItemAsync(client);

        await items.InsertOneAsync(new BsonDocument("_id", 2));
        WaitOutAnInterval();
        await items.InsertOneAsync(new BsonDocument("_id", 3));
        WaitOutAnInterval();
        var slice = await SliceAsync(repository);

        var saved = PeriodicNoops.Between(client, full.ConsistentAt!.Timestamp, slice.OplogEnd!.Value);
        Assert.Equal(saved.Count, slice.OplogEntries);
        Assert.True(saved.Count(PeriodicNoops.Is) >= 2, $"{saved.Count(PeriodicNoops.Is)} periodic no-ops in the slice");
        Assert.True(PeriodicNoops.Is(saved[^1]), "the slice ends at the primary's last no-op");

        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice.OplogEnd.Value),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename("app", "restored") },
        }, CancellationToken.None);

        Assert.Equal(2, outcome.SliceEntriesApplied); // the two inserts; the no-ops are read and left out
        var restored = await client.GetDatabase("restored").GetCollection<BsonDocument>("items").Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([1, 2, 3], restored.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task Slices_of_an_idle_primary_chain_into_one_window_and_a_restore_to_a_moment_between_their_noops_holds_every_write()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var (items, repository, full) = await FullBackupOfOneItemAsync(client);
        await items.InsertOneAsync(new BsonDocument("_id", 2));
        var written = await SliceAsync(repository);

        // Idle from here: two slices of the primary's no-ops alone.
        WaitOutAnInterval();
        WaitOutAnInterval();
        var idle1 = await SliceAsync(repository);
        WaitOutAnInterval();
        WaitOutAnInterval();
        var idle2 = await SliceAsync(repository);
        Assert.True(PeriodicNoops.AssertOnlyNoopsBetween(client, written.OplogEnd!.Value, idle2.OplogEnd!.Value) >= 2);
        Assert.Equal(PeriodicNoops.Between(client, written.OplogEnd.Value, idle1.OplogEnd!.Value).Count, idle1.OplogEntries);
        Assert.Equal(PeriodicNoops.Between(client, idle1.OplogEnd.Value, idle2.OplogEnd.Value).Count, idle2.OplogEntries);

        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)));
        Assert.Null(window.EndsBecause);
        Assert.Equal(full.ConsistentAt!.Timestamp, window.From);
        Assert.Equal(idle2.OplogEnd.Value, window.To);

        // Moments in the idle stretch: a no-op inside the last slice, the gap between the idle slices, and the window's end.
        var noops = PeriodicNoops.Between(client, idle1.OplogEnd.Value, idle2.OplogEnd.Value);
        OplogTimestamp[] moments = [OplogTimestamp.FromBsonTimestamp(noops[0]["ts"].AsBsonTimestamp), idle1.OplogEnd.Value, idle2.OplogEnd.Value];
        foreach (var moment in moments)
        {
            var target = "restored_" + moment.Seconds + "_" + moment.Increment;
            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
            {
                Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
                Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename("app", target) },
            }, CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, $"{moment}: {outcome.Restore.OplogError}");
            Assert.Equal(1, outcome.SliceEntriesApplied);
            var restored = await client.GetDatabase(target).GetCollection<BsonDocument>("items").Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToListAsync();
            Assert.Equal([1, 2], restored.Select(d => d["_id"].AsInt32));
        }
    }

    /// <summary>app.items holding { _id: 1 }, and a full backup of app into a folder repository.</summary>
    private async Task<(IMongoCollection<BsonDocument> Items, FolderRepository Repository, SnapshotManifest Full)> FullBackupOfOneItemAsync(MongoClient client)
    {
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", 1));
        var repository = new FolderRepository(_folder.Path);
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        return (items, repository, full);
    }

    private async Task<SnapshotManifest> SliceAsync(ISnapshotRepository repository)
    {
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        Assert.NotNull(slice);
        return slice;
    }

    /// <summary>
    /// The no-op writer's ticks until one writes a no-op: the first after a write only notes it (noop_writer.cpp writes when
    /// the last optime has not moved since the tick before), the next finds the primary idle.
    /// </summary>
    private void WaitOutAnInterval()
    {
        var writer = _server.State.NoopWriter!;
        for (var tick = 0; tick < 5; tick++)
            if (writer.Tick(LockWait)) return;
        Assert.Fail("the no-op writer wrote no no-op in five ticks of an idle primary");
    }
}
