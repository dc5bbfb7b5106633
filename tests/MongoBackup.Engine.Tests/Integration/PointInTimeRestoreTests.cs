using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A recorded history of writes, index builds, renames, drops and transactions, with a full snapshot and oplog
/// slices along the way: a restore to any recorded moment equals the state recorded at that moment.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class PointInTimeRestoreTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private sealed record Moment(string Label, OplogTimestamp At, DatabaseState State);

    [Fact]
    public async Task A_restore_to_each_recorded_moment_equals_the_state_at_that_moment()
    {
        var database = TestDatabases.NewName("pit");
        var db = server.Client.GetDatabase(database);
        using var session = await server.Client.StartSessionAsync();
        var orders = db.GetCollection<BsonDocument>("orders");
        await orders.InsertManyAsync(session, Enumerable.Range(0, 100).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        await db.GetCollection<BsonDocument>("audit").InsertOneAsync(session, new BsonDocument("_id", "start"));

        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await Backup(database, repository);
        var moments = new List<Moment>();
        async Task Record(string label) => moments.Add(new Moment(label, OplogTimestamp.FromBsonTimestamp(session.OperationTime), await DatabaseState.CaptureAsync(server.Client, database)));

        await orders.InsertManyAsync(session, Enumerable.Range(100, 20).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        await Record("inserts");
        await orders.UpdateManyAsync(session, new BsonDocument("_id", new BsonDocument("$lt", 10)), new BsonDocument("$set", new BsonDocument { { "qty", -1 }, { "tag", "sale" } }));
        await orders.ReplaceOneAsync(session, new BsonDocument("_id", 50), new BsonDocument { { "_id", 50 }, { "replaced", true } });
        await Record("updates");
        await Slice(repository);

        await orders.DeleteManyAsync(session, new BsonDocument("_id", new BsonDocument("$gte", 110)));
        await db.RunCommandAsync<BsonDocument>(session, new BsonDocument { { "createIndexes", "orders" }, { "indexes", new BsonArray { new BsonDocument { { "key", new BsonDocument("qty", 1) }, { "name", "qty_1" } } } } });
        await Record("deletes and an index");
        await server.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(session, new BsonDocument { { "renameCollection", $"{database}.audit" }, { "to", $"{database}.audit_log" } });
        await Record("rename");

        session.StartTransaction();
        await orders.InsertOneAsync(session, new BsonDocument { { "_id", 500 }, { "qty", 5 } });
        await orders.UpdateOneAsync(session, new BsonDocument("_id", 1), new BsonDocument("$inc", new BsonDocument("qty", 100)));
        await session.CommitTransactionAsync();
        await Record("transaction");
        await Slice(repository);

        await db.DropCollectionAsync(session, "audit_log");
        await Record("drop");
        await Slice(repository);

        foreach (var moment in moments)
        {
            var target = TestDatabases.NewName("pitr");
            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
            {
                Repository = repository, Limit = OplogLimit.AtClusterTime(moment.At),
                Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
            }, CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, $"{moment.Label}: {outcome.Restore.OplogError}");
            var restored = await DatabaseState.CaptureAsync(server.Client, target);
            try { moment.State.AssertSameAs(restored); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"Restore to '{moment.Label}' ({moment.At}) differs: {e.Message}"); }
        }
    }

    [Fact]
    public async Task A_moment_between_two_writes_keeps_the_first_and_not_the_second()
    {
        var database = TestDatabases.NewName("between");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "seed"));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await Backup(database, repository);

        await items.InsertOneAsync(new BsonDocument("_id", "first"));
        var firstWall = await WallTimeOfInsertAsync($"{database}.items", "first");
        await WaitUntilServerClockPassesAsync(firstWall.AddMilliseconds(10)); // so the second is logged after the moment
        await items.InsertOneAsync(new BsonDocument("_id", "second"));
        await Slice(repository);

        var target = TestDatabases.NewName("between_r");
        await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtWallTime(firstWall.AddMilliseconds(10)),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);

        var ids = (await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .Select(d => d["_id"].AsString).Order();
        Assert.Equal(["first", "seed"], ids);
    }

    [Fact]
    public async Task A_moment_after_the_last_slice_is_refused_naming_the_window_and_nothing_is_written()
    {
        var database = TestDatabases.NewName("outside");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var full = await Backup(database, repository);
        var target = TestDatabases.NewName("outside_r");
        var later = new OplogTimestamp(full.ConsistentAt!.Timestamp.Seconds + 3600, 1);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(later),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None));

        Assert.Equal(ErrorIds.OutsideRestoreWindow, error.ErrorId);
        Assert.Contains("Backup-MongoOplog", error.Message);
        Assert.Contains(full.ConsistentAt.Timestamp.ToString(), error.Message);
        Assert.DoesNotContain(target, await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task Each_slice_continues_where_the_last_ended_and_a_run_with_nothing_new_writes_nothing()
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var database = TestDatabases.NewName("idle");
        var c = server.Client.GetDatabase(database).GetCollection<BsonDocument>("c");
        await c.InsertOneAsync(new BsonDocument("_id", 1));
        var full = await Backup(database, repository);
        await c.InsertOneAsync(new BsonDocument("_id", 2));

        var runner = new OplogSliceRunner(new RecordingObserver());
        var first = await runner.RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal(full.ConsistentAt!.Timestamp, first.PreviousSliceEnd);
        Assert.Null(first.Gap);
        Assert.True(first.OplogEntries >= 1);

        var observer = new RecordingObserver();
        var second = await new OplogSliceRunner(observer).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        if (second is null)
        {
            Assert.Contains(observer.Verboses, v => v.StartsWith("Nothing new in the oplog", StringComparison.Ordinal));
            Assert.Equal(2, (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Count);
        }
        else
        {
            // A real server writes periodic no-ops; a slice of them must still continue the chain.
            Assert.Equal(first.OplogEnd, second.PreviousSliceEnd);
        }
    }

    private async Task<SnapshotManifest> Backup(string database, ISnapshotRepository repository) =>
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

    private async Task Slice(ISnapshotRepository repository) =>
        Assert.NotNull(await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));

    /// <summary>Polls the server's clock (hello's localTime, what it stamps oplog entries' wall with) until it is past the moment.</summary>
    private async Task WaitUntilServerClockPassesAsync(DateTimeOffset moment)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var admin = server.Client.GetDatabase("admin");
        while ((await admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1)))["localTime"].ToUniversalTime() <= moment.UtcDateTime)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the server's clock did not pass {moment:O} within 10 s");
            await Task.Delay(1);
        }
    }

    private async Task<DateTimeOffset> WallTimeOfInsertAsync(string ns, string id)
    {
        var entry = await server.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "ns", ns }, { "op", "i" }, { "o._id", id } }).FirstAsync();
        return DateTimeOffset.FromUnixTimeMilliseconds(entry["wall"].AsBsonDateTime.MillisecondsSinceEpoch);
    }
}
