using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A point-in-time restore of a cluster into a fresh cluster through its mongos when the sharding changed between the
/// base snapshot and the moment: a collection sharded then is restored sharded as the source was at that moment (key,
/// unique), one dropped and re-created unsharded comes back unsharded, and a shard key refined then is refused for that
/// collection, naming it and the oplog entry, rather than restored in a shape the source never had.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ShardingInWindowTests(MongoServerFixture server)
{
    [Fact]
    public async Task Collections_sharded_after_the_base_snapshot_are_restored_sharded_on_their_keys_with_every_document()
    {
        using var cluster = new TwoShardCluster();
        // A zone defined for customers before it exists (as MongoDB allows before sharding): the snapshot records it.
        cluster.RunAdmin(new BsonDocument { { "addShardToZone", "shard1" }, { "zone", "EU" } });
        cluster.RunAdmin(new BsonDocument { { "updateZoneKeyRange", "shop.customers" }, { "min", new BsonDocument("region", 3) }, { "max", new BsonDocument("region", BsonMaxKey.Value) }, { "zone", "EU" } });
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        var shop = cluster.Mongos.GetDatabase("shop");
        // customers: created unsharded with documents, its key index built, then sharded, then written to again.
        var customers = shop.GetCollection<BsonDocument>("customers");
        await customers.InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "region", i % 5 }, { "name", $"c{i}" } }));
        await customers.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("region", 1)));
        cluster.RunAdmin(new BsonDocument { { "shardCollection", "shop.customers" }, { "key", new BsonDocument("region", 1) } });
        await customers.InsertManyAsync(Enumerable.Range(50, 50).Select(i => new BsonDocument { { "_id", i }, { "region", i % 5 }, { "name", $"c{i}" } }));
        await customers.UpdateOneAsync(new BsonDocument { { "_id", 3 }, { "region", 3 } }, new BsonDocument("$set", new BsonDocument("name", "renamed")));
        // codes: sharded (unique) before it existed, then filled.
        cluster.RunAdmin(new BsonDocument { { "shardCollection", "shop.codes" }, { "key", new BsonDocument("code", 1) }, { "unique", true } });
        var codes = shop.GetCollection<BsonDocument>("codes");
        await codes.InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument { { "_id", i }, { "code", $"k{i:00}" } }));
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);

        using var target = FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var outcome = await RestoreIntoAsync(cluster, target, OplogLimit.AtClusterTime(slice.OplogEnd!.Value));
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));

        var sharded = await ShardedAsync(mongos);
        Assert.Equal(new BsonDocument("region", 1), sharded["shop.customers"]["key"].AsBsonDocument);
        Assert.False(sharded["shop.customers"]["unique"].ToBoolean());
        Assert.Equal(new BsonDocument("code", 1), sharded["shop.codes"]["key"].AsBsonDocument);
        Assert.True(sharded["shop.codes"]["unique"].ToBoolean());
        var zone = await mongos.GetDatabase("config").GetCollection<BsonDocument>("tags").Find(new BsonDocument("ns", "shop.customers")).SingleAsync();
        Assert.Equal(("EU", new BsonDocument("region", 3)), (zone["tag"].AsString, zone["min"].AsBsonDocument));
        Assert.Equal(await AllAsync(customers), await AllAsync(mongos.GetDatabase("shop").GetCollection<BsonDocument>("customers")));
        Assert.Equal(await AllAsync(codes), await AllAsync(mongos.GetDatabase("shop").GetCollection<BsonDocument>("codes")));
        Assert.Equal(TwoShardCluster.InitialOrders, await mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Collections_with_a_default_collation_sharded_after_the_base_snapshot_are_restored_sharded_with_their_indexes()
    {
        using var cluster = new TwoShardCluster();
        var shop = cluster.Mongos.GetDatabase("shop");
        // names: in the base snapshot, unsharded, French by default; tags: created French after it. Both sharded in the
        // window with the simple collation MongoDB requires (the key index built by shardCollection is simple).
        await shop.CreateCollectionAsync("names", new CreateCollectionOptions { Collation = new Collation("fr") });
        var names = shop.GetCollection<BsonDocument>("names");
        await names.InsertManyAsync(new[] { "Émile", "Zoé", "anne" }.Select((n, i) => new BsonDocument { { "_id", i }, { "name", n } }));
        // Its French index on the key (inherited from the collection) cannot serve as the shard key's, which MongoDB
        // requires to be simple: the DBA adds a simple one under another name before sharding.
        await names.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1)));
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        await names.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1), new CreateIndexOptions { Name = "name_simple", Collation = new Collation("simple") }));
        cluster.RunAdmin(new BsonDocument { { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "simple") } });
        await names.InsertOneAsync(new BsonDocument { { "_id", 3 }, { "name", "Ève" } });
        await shop.CreateCollectionAsync("tags", new CreateCollectionOptions { Collation = new Collation("fr") });
        cluster.RunAdmin(new BsonDocument { { "shardCollection", "shop.tags" }, { "key", new BsonDocument("tag", 1) }, { "collation", new BsonDocument("locale", "simple") } });
        var tags = shop.GetCollection<BsonDocument>("tags");
        await tags.InsertManyAsync(new[] { "été", "Hiver" }.Select((n, i) => new BsonDocument { { "_id", i }, { "tag", n } }));
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);

        using var target = FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var outcome = await RestoreIntoAsync(cluster, target, OplogLimit.AtClusterTime(slice.OplogEnd!.Value));
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));

        var sharded = await ShardedAsync(mongos);
        Assert.Equal(new BsonDocument("name", 1), sharded["shop.names"]["key"].AsBsonDocument);
        Assert.Equal(new BsonDocument("tag", 1), sharded["shop.tags"]["key"].AsBsonDocument);
        var restored = mongos.GetDatabase("shop");
        foreach (var name in new[] { "names", "tags" })
        {
            Assert.Equal(await AllAsync(shop.GetCollection<BsonDocument>(name)), await AllAsync(restored.GetCollection<BsonDocument>(name)));
            Assert.Equal(await IndexesAsync(shop, name), await IndexesAsync(restored, name));
            Assert.Equal(await OptionsAsync(shop, name), await OptionsAsync(restored, name));
        }
    }

    [Fact]
    public async Task Zones_are_restored_as_the_base_snapshot_records_them_and_a_restore_past_it_into_a_cluster_says_so()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument { { "addShardToZone", "shard0" }, { "zone", "east" } });
        cluster.RunAdmin(new BsonDocument { { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("_id", BsonMinKey.Value) }, { "max", new BsonDocument("_id", 2500) }, { "zone", "east" } });
        var baseSnapshot = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        // After the base snapshot: a new zone and range, on the config servers only.
        cluster.RunAdmin(new BsonDocument { { "addShardToZone", "shard1" }, { "zone", "west" } });
        cluster.RunAdmin(new BsonDocument { { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("_id", 2500) }, { "max", new BsonDocument("_id", BsonMaxKey.Value) }, { "zone", "west" } });
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -7 }, { "qty", 1 } });
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);

        using var target = FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var observer = new RecordingObserver();
        var outcome = await RestoreIntoAsync(cluster, target, OplogLimit.AtClusterTime(slice.OplogEnd!.Value), observer);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));

        Assert.Equal(TwoShardCluster.InitialOrders + 1, await mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var ranges = await mongos.GetDatabase("config").GetCollection<BsonDocument>("tags").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(["east"], ranges.Select(r => r["tag"].AsString));
        var warning = Assert.Single(observer.Warnings, w => w.StartsWith("Zones and zone ranges"));
        Assert.Contains($"base snapshot {baseSnapshot.Id}", warning);
        Assert.Contains(baseSnapshot.Cluster!.ClusterTime.Timestamp.ToString(), warning);
        Assert.Contains("updateZoneKeyRange", warning);

        // Into a replica set nothing is sharded or zoned: no such warning.
        var intoReplicaSet = new RecordingObserver();
        var unsharded = cluster.PointInTime(server, OplogLimit.AtClusterTime(slice.OplogEnd!.Value), TestDatabases.NewName("zones"));
        Assert.True((await new PointInTimeRestoreRunner(intoReplicaSet).RunAsync(unsharded, CancellationToken.None)).Restore.Succeeded);
        Assert.DoesNotContain(intoReplicaSet.Warnings, w => w.StartsWith("Zones and zone ranges"));
    }

    [Fact]
    public async Task A_sharded_collection_dropped_and_re_created_unsharded_after_the_base_snapshot_is_restored_unsharded()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        await cluster.Orders.Database.DropCollectionAsync("orders");
        await cluster.Orders.InsertManyAsync(Enumerable.Range(0, 30).Select(i => new BsonDocument { { "_id", 100_000 + i }, { "qty", i } }));
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);
        Assert.DoesNotContain("shop.orders", (await ShardedAsync(cluster.Mongos)).Keys);

        using var target = FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var outcome = await RestoreIntoAsync(cluster, target, OplogLimit.AtClusterTime(slice.OplogEnd!.Value));
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));

        Assert.DoesNotContain("shop.orders", (await ShardedAsync(mongos)).Keys);
        Assert.Equal(await AllAsync(cluster.Orders), await AllAsync(mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders")));
    }

    [Fact]
    public async Task A_shard_key_refined_after_the_base_snapshot_is_refused_for_that_collection_naming_it_and_the_entry()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        var others = cluster.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("others");
        await others.InsertOneAsync(new BsonDocument("_id", 1));
        await cluster.Orders.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument { { "_id", 1 }, { "qty", 1 } }));
        cluster.RunAdmin(new BsonDocument { { "refineCollectionShardKey", "shop.orders" }, { "key", new BsonDocument { { "_id", 1 }, { "qty", 1 } } } });
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -5 }, { "qty", 1 } });
        await others.InsertOneAsync(new BsonDocument("_id", 2));
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);
        var refinedAt = OplogTimestamp.FromBsonTimestamp(cluster.Shard(0).GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument("o2.refineCollectionShardKey", "shop.orders")).Single()["ts"].AsBsonTimestamp);

        using var target = FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var outcome = await RestoreIntoAsync(cluster, target, OplogLimit.AtClusterTime(slice.OplogEnd!.Value));

        Assert.False(outcome.Restore.Succeeded);
        var orders = outcome.Restore.Namespaces.Single(n => n.SourceNamespace == "shop.orders");
        Assert.NotNull(orders.Error);
        Assert.Contains("shop.orders", orders.Error);
        Assert.Contains(refinedAt.ToString(), orders.Error);
        Assert.Contains("refineCollectionShardKey", orders.Error);
        // The other collection is restored whole, up to the moment.
        Assert.Null(outcome.Restore.OplogError);
        Assert.Equal(["shop.orders"], outcome.Restore.Namespaces.Where(n => n.Error is not null).Select(n => n.SourceNamespace));
        Assert.Equal(2, await mongos.GetDatabase("shop").GetCollection<BsonDocument>("others").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    /// <summary>
    /// A sharded collection renamed within its database after the base snapshot (each shard logs its own rename), then
    /// written under its new name on both shards: restored to the slice's end into a cluster it is there under the new
    /// name, sharded on its key, with every document; into a replica set, under the new name with every document.
    /// </summary>
    [Fact]
    public async Task A_sharded_collection_renamed_within_its_database_after_the_base_snapshot_is_restored_under_its_new_name()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        cluster.RunAdmin(new BsonDocument { { "renameCollection", "shop.orders" }, { "to", "shop.orders2023" } });
        var renamed = cluster.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders2023");
        await renamed.InsertManyAsync([new BsonDocument { { "_id", -1 }, { "qty", 1 } }, new BsonDocument { { "_id", 9_000 }, { "qty", 2 } }]);
        await renamed.UpdateOneAsync(new BsonDocument("_id", 2600), new BsonDocument("$set", new BsonDocument("qty", 3)));
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None);
        Assert.NotNull(slice);

        using var target = FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var outcome = await RestoreIntoAsync(cluster, target, OplogLimit.AtClusterTime(slice.OplogEnd!.Value));
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));

        var sharded = await ShardedAsync(mongos);
        Assert.DoesNotContain("shop.orders", sharded.Keys);
        Assert.Equal(new BsonDocument("_id", 1), sharded["shop.orders2023"]["key"].AsBsonDocument);
        Assert.Equal(await AllAsync(renamed), await AllAsync(mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders2023")));
        Assert.Equal(TwoShardCluster.InitialOrders + 2, await mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders2023").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.DoesNotContain("orders", await (await mongos.GetDatabase("shop").ListCollectionNamesAsync()).ToListAsync());

        var database = TestDatabases.NewName("shrename");
        var intoReplicaSet = await new PointInTimeRestoreRunner(new RecordingObserver())
            .RunAsync(cluster.PointInTime(server, OplogLimit.AtClusterTime(slice.OplogEnd!.Value), database), CancellationToken.None);
        Assert.True(intoReplicaSet.Restore.Succeeded, intoReplicaSet.Restore.OplogError ?? string.Join("; ", intoReplicaSet.Restore.Namespaces.Select(n => n.Error)));
        Assert.Equal(await AllAsync(renamed), await AllAsync(server.Client.GetDatabase(database).GetCollection<BsonDocument>("orders2023")));
    }

    /// <summary>A fresh two-shard test cluster to restore into.</summary>
    internal static ShardedCluster FreshCluster() =>
        ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });

    private Task<PointInTimeOutcome> RestoreIntoAsync(TwoShardCluster cluster, ShardedCluster target, OplogLimit limit, RecordingObserver? observer = null)
    {
        var request = cluster.PointInTime(server, limit, "unused");
        request = request with { Restore = request.Restore with { Connection = new ConnectionSettings { ConnectionString = target.ConnectionString }, Map = new NamespaceMap() } };
        return new PointInTimeRestoreRunner(observer ?? new RecordingObserver()).RunAsync(request, CancellationToken.None);
    }

    /// <summary>The cluster's sharded collections (config.collections through its mongos), by namespace.</summary>
    private static async Task<Dictionary<string, BsonDocument>> ShardedAsync(MongoClient mongos) =>
        (await mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
        .ToDictionary(c => c["_id"].AsString);

    /// <summary>Each index of a collection as "name key collation-locale unique" (the collation as the server lists it: none for simple).</summary>
    private static async Task<List<string>> IndexesAsync(IMongoDatabase database, string collection) =>
        (await (await database.GetCollection<BsonDocument>(collection).Indexes.ListAsync()).ToListAsync())
        .Select(i => $"{i["name"]} {i["key"].ToJson()} {i.GetValue("collation", new BsonDocument()).AsBsonDocument.GetValue("locale", "none")} {i.GetValue("unique", false)}")
        .Order(StringComparer.Ordinal).ToList();

    /// <summary>A collection's options as listCollections gives them, without its uuid.</summary>
    private static async Task<string> OptionsAsync(IMongoDatabase database, string collection) =>
        (await (await database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", collection) })).SingleAsync())["options"].ToJson();

    private static async Task<List<string>> AllAsync(IMongoCollection<BsonDocument> collection) =>
        (await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()).ToList();
}
