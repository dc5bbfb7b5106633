using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Point-in-time restores judged by what each full snapshot covers: a partial full never becomes the base of a
/// restore it does not cover, and what was created after the base (a collection, a database) can be chosen by name.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class PointInTimeScopeTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _folder = new();
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task After_a_full_of_a_b_c_and_one_of_b_alone_database_a_restores_from_the_first_and_it_cannot_be_removed()
    {
        var prefix = TestDatabases.NewName("scope");
        string a = prefix + "_a", b = prefix + "_b", c = prefix + "_c";
        foreach (var database in new[] { a, b, c })
            await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items").InsertManyAsync(
                Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "db", database } }));
        var repository = new FolderRepository(_folder.Path);
        var abc = await BackupAsync(repository, new NamespaceFilter(databases: [a, b, c]));
        await server.Client.GetDatabase(c).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument { { "_id", 50 }, { "db", c } });
        var onlyB = await BackupAsync(repository, new NamespaceFilter(databases: [b]));
        await server.Client.GetDatabase(a).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument { { "_id", 100 }, { "db", a } });
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        Assert.NotNull(slice);
        Assert.Equal(abc.ConsistentAt!.Timestamp, slice.PreviousSliceEnd); // the oplog continues from the a,b,c snapshot
        var expected = await DatabaseState.CaptureAsync(server.Client, a);

        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)));
        Assert.Equal(abc.Id, window.BaseSnapshot.Id);
        var target = a + "_r";
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice.OplogEnd!.Value),
            Restore = new RestoreRequest
            {
                Connection = Connection, Filter = new NamespaceFilter(databases: [a]), Map = new NamespaceMap().AddDatabaseRename(a, target),
            },
        }, CancellationToken.None);

        Assert.Equal(abc.Id, outcome.Window.BaseSnapshot.Id);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        expected.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [abc.Id], force: false, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotInUse, refused.ErrorId);
        Assert.Contains(onlyB.Id, refused.Message);
    }

    [Fact]
    public async Task A_collection_and_a_database_created_after_the_base_snapshot_can_be_chosen_by_name()
    {
        var prefix = TestDatabases.NewName("later");
        var main = prefix + "_main";
        await server.Client.GetDatabase(main).GetCollection<BsonDocument>("old").InsertOneAsync(new BsonDocument("_id", 1));
        var repository = new FolderRepository(_folder.Path);
        await BackupAsync(repository, new NamespaceFilter(databases: [prefix + "*"]));

        var fresh = prefix + "_new";
        await server.Client.GetDatabase(fresh).GetCollection<BsonDocument>("c").InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        await server.Client.GetDatabase(main).GetCollection<BsonDocument>("added").InsertManyAsync([new BsonDocument("_id", "x"), new BsonDocument("_id", "y")]);
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        var limit = OplogLimit.AtClusterTime(slice!.OplogEnd!.Value);

        foreach (var (filter, database, collection) in new[]
                 {
                     (new NamespaceFilter(databases: [fresh]), fresh, "c"),
                     (new NamespaceFilter(databases: [main], collections: ["added"]), main, "added"),
                     (new NamespaceFilter(namespaceInclude: [main + ".added"]), main, "added"),
                 })
        {
            var target = TestDatabases.NewName("later_r");
            var request = new PointInTimeRestoreRequest
            {
                Repository = repository, Limit = limit,
                Restore = new RestoreRequest { Connection = Connection, Filter = filter, Map = new NamespaceMap().AddDatabaseRename(database, target) },
            };
            var plan = await PointInTimePlan.CreateAsync(request, CancellationToken.None);
            Assert.Empty(plan.FromSnapshot);
            Assert.True(plan.FromOplogOnly);

            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
            Assert.Equal(2, await server.Client.GetDatabase(target).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
            Assert.Equal([collection], await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
        }

        var typo = await PointInTimePlan.CreateAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = limit,
            Restore = new RestoreRequest { Connection = Connection, Filter = new NamespaceFilter(databases: [prefix + "_neww"]) },
        }, CancellationToken.None);
        Assert.True(typo.IsEmpty);
    }

    private async Task<SnapshotManifest> BackupAsync(ISnapshotRepository repository, NamespaceFilter filter) =>
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = filter,
        }, CancellationToken.None);
}
