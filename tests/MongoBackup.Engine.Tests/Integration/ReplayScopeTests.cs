using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Oplog;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A snapshot's oplog, and every slice, holds the writes of the whole replica set; restoring a snapshot of some
/// databases (alone or to a moment) replays only what lies inside the snapshot's scope and the restore's filters, and
/// a rename across that edge is dropped (renamed away) or fails the namespace it would fill without its data.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ReplayScopeTests(MongoServerFixture server) : IDisposable
{
    private readonly RepositoryScenario _scenario = new(server);
    private ConnectionSettings Connection => _scenario.Connection;
    private FolderRepository Repository => _scenario.Repository;

    public void Dispose() => _scenario.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_drop_outside_the_snapshot_scope_during_the_backup_is_not_replayed(bool renamed)
    {
        var shop = TestDatabases.NewName("shop");
        var prod = TestDatabases.NewName("prod");
        await server.Client.GetDatabase(shop).GetCollection<BsonDocument>("orders").InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        var victim = server.Client.GetDatabase(prod).GetCollection<BsonDocument>("victim");
        var kept = Enumerable.Range(0, 3).Select(i => new BsonDocument { { "_id", i }, { "v", "keep" } }).ToList();
        await victim.InsertManyAsync(kept);

        var manifest = await BackupDuringAsync(shop, () => server.Client.GetDatabase(prod).DropCollection("victim"));
        await victim.InsertManyAsync(kept); // the restore's target holds prod.victim, as a server the snapshot is restored to may

        var target = renamed ? shop + "_r" : shop;
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(Repository, manifest.Id),
            Map = renamed ? new NamespaceMap().AddDatabaseRename(shop, target) : NamespaceMap.Identity, Drop = !renamed,
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        Assert.Equal(kept.Select(d => d.ToJson()), (await victim.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()));
        Assert.Equal(2, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_collection_renamed_out_of_the_scope_in_the_window_is_renamed_away_and_nothing_outside_is_written()
    {
        var shop = TestDatabases.NewName("shop");
        var prod = TestDatabases.NewName("prod");
        var db = server.Client.GetDatabase(shop);
        await db.GetCollection<BsonDocument>("leaving").InsertManyAsync(Enumerable.Range(0, 3).Select(i => new BsonDocument("_id", i)));
        await db.GetCollection<BsonDocument>("staying").InsertOneAsync(new BsonDocument("_id", 1));

        var end = await BackUpThenAsync(shop, () => server.Client.GetDatabase("admin").RunCommand<BsonDocument>(
            new BsonDocument { { "renameCollection", $"{shop}.leaving" }, { "to", $"{prod}.arrived" } }));
        var target = shop + "_r";
        var outcome = await RestoreToAsync(end, shop, target);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        var names = await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync();
        Assert.Equal(["staying"], names.Order());
        // The source's renamed collection is untouched: the restore wrote nothing outside what it covers.
        Assert.Equal(3, await server.Client.GetDatabase(prod).GetCollection<BsonDocument>("arrived").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    /// <summary>
    /// MongoDB 4.2+ logs a rename across databases as a copy into the target database (tmpXXXXX.renameCollection, an
    /// insert per document, a rename within it, a drop of the source), so the renamed collection's documents are in the
    /// oplog: it arrives whole, and the database it left (outside the restore) is not touched.
    /// </summary>
    [Fact]
    public async Task A_collection_renamed_into_the_scope_from_another_database_in_the_window_arrives_whole_through_its_copy()
    {
        var (shop, end) = await ArchiveRenamedIntoShopAsync();
        var target = shop + "_r";
        var outcome = await RestoreToAsync(end, shop, target);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        Assert.Equal(["archive", "orders"], (await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync()).Order());
        Assert.Equal(5, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("archive").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(5, await server.Client.GetDatabase(shop).GetCollection<BsonDocument>("archive").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    /// <summary>
    /// A filter on the renamed collection's final name: its documents arrive in the temporary copy, whose name no filter
    /// names; the copy is restored under the final name, and nothing else of the database is written.
    /// </summary>
    [Fact]
    public async Task A_collection_filter_on_the_final_name_of_a_rename_across_databases_keeps_its_documents()
    {
        var (shop, end) = await ArchiveRenamedIntoShopAsync();
        var target = shop + "_c";

        var outcome = (await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = Repository, Limit = OplogLimit.AtClusterTime(end),
            Restore = new RestoreRequest
            {
                Connection = Connection, Filter = new NamespaceFilter(databases: [shop], collections: ["archive"]),
                Map = new NamespaceMap().AddDatabaseRename(shop, target),
            },
        }, CancellationToken.None)).Restore;

        Assert.True(outcome.Succeeded, outcome.OplogError);
        Assert.Equal(["archive"], await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
        Assert.Equal(5, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("archive").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    /// <summary>A snapshot of a new shop database (orders), then prod.archive (5 documents) renamed into it, then a slice; shop's name and the slice's end.</summary>
    private async Task<(string Shop, OplogTimestamp End)> ArchiveRenamedIntoShopAsync()
    {
        var shop = TestDatabases.NewName("shop");
        var prod = TestDatabases.NewName("prod");
        await server.Client.GetDatabase(shop).GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", 1));
        await server.Client.GetDatabase(prod).GetCollection<BsonDocument>("archive").InsertManyAsync(Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)));
        var end = await BackUpThenAsync(shop, () => server.Client.GetDatabase("admin").RunCommand<BsonDocument>(
            new BsonDocument { { "renameCollection", $"{prod}.archive" }, { "to", $"{shop}.archive" } }));
        return (shop, end);
    }

    private async Task<SnapshotManifest> BackupDuringAsync(string database, Action during)
    {
        var hook = new DuringBackupHook(during);
        var manifest = await _scenario.BackUpAsync(database, hook);
        Assert.True(hook.Ran);
        return manifest;
    }

    /// <summary>A snapshot of <paramref name="database"/>, then <paramref name="change"/>, then a slice; returns the slice's end.</summary>
    private async Task<OplogTimestamp> BackUpThenAsync(string database, Action change)
    {
        await _scenario.BackUpAsync(database);
        change();
        return (await _scenario.SliceAsync()).OplogEnd!.Value;
    }

    private Task<RestoreOutcome> RestoreToAsync(OplogTimestamp end, string from, string to, RecordingObserver? observer = null) =>
        _scenario.RestoreToAsync(end, from, to, observer);

    [Fact]
    public async Task A_drop_outside_the_base_snapshot_scope_in_a_slice_is_not_replayed_by_a_point_in_time_restore()
    {
        var shop = TestDatabases.NewName("shop");
        var prod = TestDatabases.NewName("prod");
        await server.Client.GetDatabase(shop).GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", 1));
        var victim = server.Client.GetDatabase(prod).GetCollection<BsonDocument>("victim");
        await victim.InsertManyAsync(Enumerable.Range(0, 3).Select(i => new BsonDocument("_id", i)));
        var end = await BackUpThenAsync(shop, () =>
        {
            server.Client.GetDatabase(prod).DropCollection("victim");
            server.Client.GetDatabase(shop).GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument("_id", 2));
        });
        await victim.InsertManyAsync(Enumerable.Range(0, 3).Select(i => new BsonDocument("_id", i)));

        var target = shop + "_r";
        var outcome = await RestoreToAsync(end, shop, target);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        Assert.Equal(3, await victim.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(2, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_mongodump_directory_oplog_is_narrowed_by_the_restore_filters()
    {
        var prod = TestDatabases.NewName("prod");
        var victim = server.Client.GetDatabase(prod).GetCollection<BsonDocument>("victim");
        await victim.InsertManyAsync(Enumerable.Range(0, 3).Select(i => new BsonDocument("_id", i)));
        BsonDocument[] oplog =
        [
            new() { { "op", "i" }, { "ns", "shop.orders" }, { "o", new BsonDocument("_id", 2) }, { "ts", new BsonTimestamp(1700000001, 1) } },
            new() { { "op", "c" }, { "ns", prod + ".$cmd" }, { "o", new BsonDocument("drop", "victim") }, { "ts", new BsonTimestamp(1700000002, 1) } },
        ];
        using var dump = new HandWrittenDump("shop", "orders", [new BsonDocument("_id", 1)], oplog);
        var target = TestDatabases.NewName("shop_r");

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = dump.Path, Filter = new NamespaceFilter(databases: ["shop"]),
            Map = new NamespaceMap().AddDatabaseRename("shop", target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        Assert.Equal(1, outcome.OplogEntriesApplied);
        Assert.Equal(3, await victim.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(2, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }
}
