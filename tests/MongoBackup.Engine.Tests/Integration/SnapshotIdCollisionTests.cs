using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Two backups started in the same second whose random suffixes collide (forced here through the id seam): the
/// second finds the id reserved, draws another, and both snapshots are kept and restore whole, on every repository kind.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class SnapshotIdCollisionTests(MongoServerFixture server, ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private const string Collided = "20261130T120000Z-full-0001";
    private const string Redrawn = "20261130T120000Z-full-0002";

    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Two_backups_that_draw_the_same_id_both_survive_and_each_restores(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var first = await SeedAsync("collide_a", 120);
        var second = await SeedAsync("collide_b", 80);
        var firstState = await DatabaseState.CaptureAsync(server.Client, first);
        var secondState = await DatabaseState.CaptureAsync(server.Client, second);

        var a = await BackupAsync(repository, first, new ScriptedIds(Collided));
        var b = await BackupAsync(repository, second, new ScriptedIds(Collided, Redrawn));

        Assert.Equal(Collided, a.Id);
        Assert.Equal(Redrawn, b.Id);
        var listed = await SnapshotCatalog.LoadCompleteAsync(await services.ReopenAsync(repository, kind), CancellationToken.None);
        Assert.Equal([Collided, Redrawn], listed.Select(m => m.Id).Order(StringComparer.Ordinal));
        firstState.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, await RestoreAsync(repository, Collided, first)));
        secondState.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, await RestoreAsync(repository, Redrawn, second)));
    }

    private async Task<string> SeedAsync(string purpose, int count)
    {
        var database = TestDatabases.NewName(purpose);
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, count).Select(i => new BsonDocument { { "_id", i }, { "from", purpose } }));
        return database;
    }

    private Task<SnapshotManifest> BackupAsync(ISnapshotRepository repository, string database, SnapshotIdSource ids) =>
        new BackupRunner(new RecordingObserver()) { SnapshotIds = ids }.RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

    private async Task<string> RestoreAsync(ISnapshotRepository repository, string id, string database)
    {
        var target = TestDatabases.NewName("collide_r");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, id),
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Where(n => n.Error != null).Select(n => n.Error)));
        return target;
    }
}
