using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// An application using findOneAndUpdate/Replace/Delete (findAndModify, retried by the drivers by default, so on a replica
/// set its updates and deletes are logged with needsRetryImage and their images kept in config.image_collection, not in the
/// oplog; op_observer_impl.cpp) during a backup, between oplog slices and in a transaction: a restore with oplog replay and
/// a point-in-time restore give exactly the source's documents. The replay must strip needsRetryImage with the session
/// fields (a mongod given it through applyOps would write config.image_collection; the test server refuses it).
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class FindAndModifyReplayTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private static void Modify(IMongoCollection<BsonDocument> items, int round)
    {
        var b = round * 100;
        items.FindOneAndUpdate(new BsonDocument("_id", b + 1), BsonDocument.Parse("{$inc: {n: 5}, $set: {'sub.tag': 'x'}}"),
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After });
        items.FindOneAndUpdate(new BsonDocument("_id", b + 2), BsonDocument.Parse("{$bit: {flags: {or: 6}}}"));
        items.FindOneAndReplace(new BsonDocument("_id", b + 3), BsonDocument.Parse("{whole: 'new', n: -1}"));
        items.FindOneAndDelete(new BsonDocument("_id", b + 4));
        items.FindOneAndDelete(new BsonDocument("n", new BsonDocument("$gte", 0)), new FindOneAndDeleteOptions<BsonDocument> { Sort = BsonDocument.Parse("{n: -1}") });
        items.FindOneAndUpdate(new BsonDocument("_id", b + 90), BsonDocument.Parse("{$set: {upserted: true}}"),
            new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After });
        items.FindOneAndUpdate(new BsonDocument("_id", b + 5), new BsonDocumentUpdateDefinition<BsonDocument>(BsonDocument.Parse("{$set: {n: 0}}")));
    }

    private static IMongoCollection<BsonDocument> Seed(IMongoDatabase db)
    {
        var items = db.GetCollection<BsonDocument>("items");
        items.InsertMany(Enumerable.Range(0, 4).SelectMany(r => Enumerable.Range(r * 100, 20))
            .Select(i => new BsonDocument { { "_id", i }, { "n", i % 17 }, { "flags", i % 4 } }));
        return items;
    }

    private async Task<long> LoggedWithImageAsync(string database) =>
        await server.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .CountDocumentsAsync(new BsonDocument { { "ns", database + ".items" }, { "needsRetryImage", new BsonDocument("$exists", true) } });

    [Fact]
    public async Task FindAndModify_during_a_backup_is_replayed_by_the_restore_to_the_state_at_ConsistentAt()
    {
        var database = TestDatabases.NewName("famhot");
        var items = Seed(server.Client.GetDatabase(database));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var hook = new DuringBackupHook(() => Modify(items, 0));

        var manifest = await new BackupRunner(hook).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var source = await DatabaseState.CaptureAsync(server.Client, database);

        Assert.True(hook.Ran);
        Assert.True(await LoggedWithImageAsync(database) >= 4); // the entries replayed really carry needsRetryImage
        var target = TestDatabases.NewName("famhot_r");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = repository.LocalPath(manifest.Id, "")!,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        source.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
    }

    private sealed record Moment(string Label, OplogTimestamp At, DatabaseState State);

    [Fact]
    public async Task A_point_in_time_restore_between_findAndModify_writes_and_slices_equals_the_source_at_each_moment()
    {
        var database = TestDatabases.NewName("fampit");
        var db = server.Client.GetDatabase(database);
        var items = Seed(db);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new DuringBackupHook(() => Modify(items, 0))).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var moments = new List<Moment>();
        async Task Record(string label)
        {
            var last = await server.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
                .Find(new BsonDocument()).Sort(new BsonDocument("$natural", -1)).Limit(1).SingleAsync();
            moments.Add(new Moment(label, OplogTimestamp.FromBsonTimestamp(last["ts"].AsBsonTimestamp), await DatabaseState.CaptureAsync(server.Client, database)));
        }

        Modify(items, 1);
        await Record("after the backup");
        await Slice(repository);
        using (var session = await server.Client.StartSessionAsync())
        {
            session.StartTransaction();
            await items.FindOneAndUpdateAsync(session, new BsonDocument("_id", 206), BsonDocument.Parse("{$inc: {n: 100}}"));
            await items.FindOneAndDeleteAsync(session, new BsonDocument("_id", 207));
            await session.CommitTransactionAsync();
        }
        await Record("a transaction");
        Modify(items, 2);
        await Record("between slices");
        await Slice(repository);
        Modify(items, 3);
        await Record("last");
        await Slice(repository);

        Assert.True(await LoggedWithImageAsync(database) >= 16);
        foreach (var moment in moments)
        {
            var target = TestDatabases.NewName("fampit_r");
            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
            {
                Repository = repository, Limit = OplogLimit.AtClusterTime(moment.At),
                Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
            }, CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, $"{moment.Label}: {outcome.Restore.OplogError}");
            try { moment.State.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target)); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"Restore to '{moment.Label}' ({moment.At}) differs: {e.Message}"); }
        }
    }

    [Fact]
    public async Task A_point_in_time_restore_to_the_timestamp_a_findAndModify_reserved_for_its_image_holds_the_document_before_it()
    {
        var database = TestDatabases.NewName("famres");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "n", 1 } });
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        await items.FindOneAndUpdateAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{$inc: {n: 10}}"));
        var entry = await server.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "ns", database + ".items" }, { "needsRetryImage", new BsonDocument("$exists", true) } }).SingleAsync();
        var written = OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
        await Slice(repository);

        // The timestamp before the entry's, the one the image took (the write is logged at the later of the two).
        var reserved = new OplogTimestamp(written.Seconds, written.Increment - 1);
        foreach (var (moment, n) in new[] { (reserved, 1), (written, 11) })
        {
            var target = TestDatabases.NewName("famres_r");
            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
            {
                Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
                Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
            }, CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, $"{moment}: {outcome.Restore.OplogError}");
            var doc = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").Find(new BsonDocument("_id", 1)).SingleAsync();
            Assert.Equal(n, doc["n"].AsInt32);
        }
    }

    private async Task Slice(ISnapshotRepository repository) =>
        Assert.NotNull(await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));
}
