using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A point-in-time restore of a replica set's repository through a mongos, over a rename in the restore window that
/// the namespace map sends into another database: the documents end up under the name the DBA asked for, with every one
/// of them, never left behind under the old name while the restore reports success.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class MongosRenameRestoreTests(MongoServerFixture server)
{
    private ConnectionSettings Source => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_rename_mapped_into_a_database_the_cluster_does_not_know_lands_there_whole()
    {
        var database = TestDatabases.NewName("mgren");
        var history = TestDatabases.NewName("mgren_h");
        var orders = server.Client.GetDatabase(database).GetCollection<BsonDocument>("orders");
        await orders.InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument { { "_id", i }, { "total", i * 10 } }));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        // In the window: the collection renamed within its database, then one more document written under the new name.
        await server.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "renameCollection", database + ".orders" }, { "to", database + ".archive" } });
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("archive").InsertOneAsync(new BsonDocument { { "_id", 4 }, { "total", 40 } });
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Source, Repository = repository }, CancellationToken.None);

        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(cluster.ConnectionString);
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice!.OplogEnd!.Value),
            Restore = new RestoreRequest
            {
                Connection = new ConnectionSettings { ConnectionString = cluster.ConnectionString }, Filter = new NamespaceFilter(databases: [database]),
                Map = new NamespaceMap().Add(database + ".archive", history + ".archive"),
            },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        var archived = await mongos.GetDatabase(history).GetCollection<BsonDocument>("archive").Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([1, 2, 3, 4], archived.Select(d => d["_id"].AsInt32));
        Assert.Equal([10, 20, 30, 40], archived.Select(d => d["total"].AsInt32));
        Assert.DoesNotContain("orders", await (await mongos.GetDatabase(database).ListCollectionNamesAsync()).ToListAsync());
    }

    /// <summary>
    /// The restore's own data phase creates both databases of a rename the replay applies (breaker7 finding 1): the
    /// cluster alone would put each new database on its least-loaded shard, and the rename would be refused. A replica
    /// set's databases were on one server, so the restore creates all it creates on one primary shard.
    /// </summary>
    [Fact]
    public async Task A_rename_mapped_into_another_database_the_restore_creates_lands_there_whole_both_on_one_primary_shard()
    {
        var database = TestDatabases.NewName("mgplace");
        var history = TestDatabases.NewName("mgplace_h");
        var shop = server.Client.GetDatabase(database);
        await shop.GetCollection<BsonDocument>("orders").InsertManyAsync(Enumerable.Range(1, 5).Select(i => new BsonDocument { { "_id", i }, { "total", i * 10 } }));
        await shop.GetCollection<BsonDocument>("archive").InsertOneAsync(new BsonDocument("_id", 1));
        await shop.GetCollection<BsonDocument>("customers").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var slice = await BackUpThenRenameOrdersAsync(repository, database);

        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(cluster.ConnectionString);
        var outcome = await RestoreMappedIntoAsync(repository, slice, cluster, database, history);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        var orders = await mongos.GetDatabase(history).GetCollection<BsonDocument>("orders2023").Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([1, 2, 3, 4, 5], orders.Select(d => d["_id"].AsInt32));
        Assert.Equal(1, await mongos.GetDatabase(history).GetCollection<BsonDocument>("archive").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(["customers"], await (await mongos.GetDatabase(database).ListCollectionNamesAsync()).ToListAsync());
        var primaries = await mongos.GetDatabase("config").GetCollection<BsonDocument>("databases")
            .Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray { database, history }))).ToListAsync();
        Assert.Equal(2, primaries.Count);
        Assert.Single(primaries.Select(p => p["primary"].AsString).Distinct());
    }

    /// <summary>
    /// Databases the target has already stay on their primary shards: a rename the replay applies between two of them
    /// on different primaries is refused by mongos, and the restore stops saying so and naming movePrimary.
    /// </summary>
    [Fact]
    public async Task Databases_the_cluster_has_already_stay_where_they_are_and_a_rename_between_different_primaries_stops_naming_movePrimary()
    {
        var database = TestDatabases.NewName("mgkeep");
        var history = TestDatabases.NewName("mgkeep_h");
        var shop = server.Client.GetDatabase(database);
        await shop.GetCollection<BsonDocument>("orders").InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        await shop.GetCollection<BsonDocument>("archive").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var slice = await BackUpThenRenameOrdersAsync(repository, database);

        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(cluster.ConnectionString);
        var admin = mongos.GetDatabase("admin");
        await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "enableSharding", database }, { "primaryShard", ShardedCluster.ShardName(0) } });
        await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "enableSharding", history }, { "primaryShard", ShardedCluster.ShardName(1) } });
        var outcome = await RestoreMappedIntoAsync(repository, slice, cluster, database, history);

        Assert.False(outcome.Restore.Succeeded);
        Assert.Contains("movePrimary", outcome.Restore.OplogError);
        Assert.Equal(3, await mongos.GetDatabase(database).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var primaries = (await mongos.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .ToDictionary(d => d["_id"].AsString, d => d["primary"].AsString);
        Assert.Equal((ShardedCluster.ShardName(0), ShardedCluster.ShardName(1)), (primaries[database], primaries[history]));
    }

    /// <summary>A full backup of <paramref name="database"/>, then orders renamed to orders2023 and a slice holding the rename.</summary>
    private async Task<SnapshotManifest> BackUpThenRenameOrdersAsync(FolderRepository repository, string database)
    {
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        await server.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "renameCollection", database + ".orders" }, { "to", database + ".orders2023" } });
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Source, Repository = repository }, CancellationToken.None);
        return Assert.IsType<SnapshotManifest>(slice);
    }

    /// <summary>Restores <paramref name="database"/> through the cluster's mongos to the slice's end, orders2023 and archive mapped into <paramref name="history"/>.</summary>
    private static Task<PointInTimeOutcome> RestoreMappedIntoAsync(FolderRepository repository, SnapshotManifest slice, ShardedCluster cluster, string database, string history) =>
        new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice.OplogEnd!.Value),
            Restore = new RestoreRequest
            {
                Connection = new ConnectionSettings { ConnectionString = cluster.ConnectionString }, Filter = new NamespaceFilter(databases: [database]),
                Map = new NamespaceMap().Add(database + ".orders2023", history + ".orders2023").Add(database + ".archive", history + ".archive"),
            },
        }, CancellationToken.None);
}
