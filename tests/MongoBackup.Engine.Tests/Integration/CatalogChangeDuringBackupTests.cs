using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The catalog changing while a hot backup runs, at its most exposed moment: after the catalog is listed and before
/// any collection is read (the runner's CatalogListed seam). Each backup either restores to exactly the source's
/// state at its ConsistentAt (nothing writes to the database after the backup, so the state after it is that state),
/// or fails naming the change and the namespace, leaving no snapshot behind.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class CatalogChangeDuringBackupTests(MongoServerFixture server) : IDisposable
{
    private readonly List<TempFolder> _folders = [];

    public void Dispose() => _folders.ForEach(f => f.Dispose());

    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_collection_and_index_created_while_the_catalog_is_listed_are_restored()
    {
        var database = await SeedAsync("created");
        var (snapshot, repository) = await BackupAsync(database, async db =>
        {
            var late = db.GetCollection<BsonDocument>("late");
            await late.InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2), new BsonDocument("_id", 3)]);
            await late.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("sku", 1), new CreateIndexOptions { Name = "sku_1" }));
        });

        var restored = await RestoreAsync(repository, snapshot, database);

        Assert.Equal(3, restored.Collections["late"].Documents.Count);
        Assert.Contains(restored.Collections["late"].Indexes, i => i.Contains("\"sku_1\""));
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    [Fact]
    public async Task A_collection_dropped_after_the_listing_is_not_restored()
    {
        var database = await SeedAsync("dropped");
        var (snapshot, repository) = await BackupAsync(database, db => db.DropCollectionAsync("customers"));

        var restored = await RestoreAsync(repository, snapshot, database);

        Assert.DoesNotContain("customers", restored.Collections.Keys);
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    [Fact]
    public async Task A_collection_dropped_and_made_again_after_the_listing_is_restored_as_made_again()
    {
        var database = await SeedAsync("remade");
        var (snapshot, repository) = await BackupAsync(database, async db =>
        {
            await db.DropCollectionAsync("orders");
            await db.CreateCollectionAsync("orders", new CreateCollectionOptions<BsonDocument>
            {
                Validator = new BsonDocument("qty", new BsonDocument("$gte", 0)),
            });
            await db.GetCollection<BsonDocument>("orders").InsertManyAsync(Enumerable.Range(1000, 7).Select(i => new BsonDocument { { "_id", i }, { "qty", 1 } }));
        });

        var restored = await RestoreAsync(repository, snapshot, database);

        Assert.Equal(7, restored.Collections["orders"].Documents.Count);
        Assert.DoesNotContain(restored.Collections["orders"].Indexes, i => i.Contains("qty_1"));
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    [Fact]
    public async Task A_database_dropped_and_made_again_after_the_listing_is_restored_as_made_again()
    {
        var database = await SeedAsync("dropdb");
        var (snapshot, repository) = await BackupAsync(database, async db =>
        {
            await server.Client.DropDatabaseAsync(database);
            await db.GetCollection<BsonDocument>("fresh").InsertOneAsync(new BsonDocument("_id", "only"));
        });

        var restored = await RestoreAsync(repository, snapshot, database);

        Assert.Equal(["fresh"], restored.Collections.Keys);
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    [Fact]
    public async Task Indexes_built_and_dropped_after_the_listing_are_restored_as_they_end()
    {
        var database = await SeedAsync("indexes");
        var (snapshot, repository) = await BackupAsync(database, async db =>
        {
            var orders = db.GetCollection<BsonDocument>("orders");
            await orders.Indexes.DropOneAsync("qty_1");
            await orders.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
                new BsonDocument { { "qty", -1 }, { "_id", 1 } }, new CreateIndexOptions { Name = "qty_desc" }));
            await db.GetCollection<BsonDocument>("customers").Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
                new BsonDocument("city", 1), new CreateIndexOptions { Name = "city_1", Sparse = true }));
        });

        var restored = await RestoreAsync(repository, snapshot, database);

        Assert.Contains(restored.Collections["orders"].Indexes, i => i.Contains("qty_desc"));
        Assert.DoesNotContain(restored.Collections["orders"].Indexes, i => i.Contains("qty_1"));
        Assert.Contains(restored.Collections["customers"].Indexes, i => i.Contains("city_1"));
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    [Fact]
    public async Task Options_changed_by_collMod_after_the_listing_are_restored_as_changed()
    {
        var database = await SeedAsync("collmod");
        var (snapshot, repository) = await BackupAsync(database, db => db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "collMod", "customers" }, { "validator", new BsonDocument("city", new BsonDocument("$type", "string")) }, { "validationLevel", "moderate" },
        }));

        var restored = await RestoreAsync(repository, snapshot, database);

        Assert.Contains("moderate", restored.Collections["customers"].OptionsJson);
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    [Theory]
    [InlineData("customers", "clients")]     // a listed collection renamed: it would be read empty under its old name
    [InlineData("outside", "customers2")]    // renamed into the scope from a database the backup does not take: never listed
    public async Task A_rename_touching_the_scope_fails_the_backup_naming_it_and_keeps_nothing(string from, string to)
    {
        var database = await SeedAsync("renamed");
        var elsewhere = TestDatabases.NewName("elsewhere");
        await server.Client.GetDatabase(elsewhere).GetCollection<BsonDocument>("outside").InsertOneAsync(new BsonDocument("_id", 1));
        var fromNs = (from == "outside" ? elsewhere : database) + "." + from;
        var toNs = database + "." + to;

        var folder = new TempFolder();
        _folders.Add(folder);
        var repository = new FolderRepository(folder.Path);
        var runner = new BackupRunner(new RecordingObserver())
        {
            CatalogListed = ct => server.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(
                new BsonDocument { { "renameCollection", fromNs }, { "to", toNs } }, cancellationToken: ct),
        };
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => runner.RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None));

        Assert.Equal(ErrorIds.CatalogChangedDuringBackup, error.ErrorId);
        // Across databases MongoDB 4.2+ logs a copy through tmpXXXXX.renameCollection of the target database: named as such.
        Assert.Contains(from == "outside" ? $"{toNs} was renamed from another database during the backup (copied through {database}.tmp" : $"{fromNs} was renamed to {toNs}", error.Message);
        Assert.Equal(from == "outside" ? toNs : fromNs, error.Target);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        Assert.Empty(Directory.GetDirectories(folder.Path));
    }

    [Fact]
    public async Task A_rename_outside_the_scope_does_not_stop_the_backup()
    {
        var database = await SeedAsync("otherrename");
        var elsewhere = TestDatabases.NewName("elsewhere");
        await server.Client.GetDatabase(elsewhere).GetCollection<BsonDocument>("a").InsertOneAsync(new BsonDocument("_id", 1));
        var (snapshot, repository) = await BackupAsync(database, _ => server.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(
            new BsonDocument { { "renameCollection", elsewhere + ".a" }, { "to", elsewhere + ".b" } }));

        Assert.Equal(SnapshotStatus.Complete, snapshot.Status);
        // The restore takes the backed-up database only: what a replay does outside a snapshot's scope is not this test's.
        var restored = await RestoreAsync(repository, snapshot, database, new NamespaceFilter(databases: [database]));

        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(restored);
    }

    private async Task<string> SeedAsync(string purpose)
    {
        var database = TestDatabases.NewName(purpose);
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("orders").InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        await db.GetCollection<BsonDocument>("orders").Indexes.CreateOneAsync(
            new CreateIndexModel<BsonDocument>(new BsonDocument("qty", 1), new CreateIndexOptions { Name = "qty_1" }));
        await db.GetCollection<BsonDocument>("customers").InsertManyAsync(Enumerable.Range(0, 5).Select(i => new BsonDocument { { "_id", "c" + i }, { "city", "Oslo" } }));
        return database;
    }

    /// <summary>Backs up <paramref name="database"/> into a new folder repository, running <paramref name="change"/> once the catalog is listed.</summary>
    private async Task<(SnapshotManifest Snapshot, FolderRepository Repository)> BackupAsync(string database, Func<IMongoDatabase, Task> change)
    {
        var folder = new TempFolder();
        _folders.Add(folder);
        var repository = new FolderRepository(folder.Path);
        var runner = new BackupRunner(new RecordingObserver()) { CatalogListed = _ => change(server.Client.GetDatabase(database)) };
        var manifest = await runner.RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        return (manifest, repository);
    }

    private async Task<DatabaseState> RestoreAsync(ISnapshotRepository repository, SnapshotManifest snapshot, string database, NamespaceFilter? filter = null)
    {
        var target = database + "_r";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, snapshot.Id), Filter = filter ?? NamespaceFilter.Everything,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error).OfType<string>()));
        return await DatabaseState.CaptureAsync(server.Client, target);
    }
}
