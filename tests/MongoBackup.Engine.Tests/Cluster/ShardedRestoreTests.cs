using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster snapshot restored into a sharded cluster through its mongos: the documents as the source was at the cut T
/// (writes running on both shards during the backup, a cross-shard transaction), sharded as it was (range, hashed and
/// unique keys in config.collections, the primary shard, zones and zone ranges), with its indexes; renames; and what is
/// refused (a target sharded on another key) or left out (a zone whose shards the target lacks).
/// </summary>
public sealed class ShardedRestoreTests(ShardedRestoreTests.QuietSnapshot quiet) : IClassFixture<ShardedRestoreTests.QuietSnapshot>
{
    private const int InitialEvents = 1_000, InitialNotes = 200;

    [Fact]
    public async Task A_backup_while_every_shard_takes_writes_restores_into_a_fresh_cluster_sharded_as_it_was_at_the_cut()
    {
        using var source = new TwoShardCluster();
        ShapeSource(source);
        var histories = new[] { new WriteHistory(), new WriteHistory(), new WriteHistory() };
        using var stopWriting = new CancellationTokenSource();
        var writers = new[]
        {
            Task.Run(() => ClusterBackupTests.WriteContinuouslyAsync(source.Orders, histories[0], stopWriting.Token)),
            Task.Run(() => ClusterBackupTests.WriteContinuouslyAsync(Collection(source.Mongos, "events"), histories[1], stopWriting.Token, InitialEvents, seed: 12)),
            Task.Run(() => ClusterBackupTests.WriteContinuouslyAsync(Collection(source.Mongos, "notes"), histories[2], stopWriting.Token, InitialNotes, seed: 13)),
        };
        foreach (var history in histories) await history.WaitForWritesAsync(30);
        var transactionAt = default(OplogTimestamp);
        var hook = new DuringBackupHook(() => transactionAt = source.CommitCrossShardTransaction());
        var manifest = await new FullBackup(hook).RunAsync(Backup(source), CancellationToken.None);
        foreach (var history in histories) await history.WaitForWritesAsync(history.Count + 30);
        stopWriting.Cancel();
        await Task.WhenAll(writers);
        var cut = manifest.Cluster!.ClusterTime.Timestamp;
        Assert.True(hook.Ran && transactionAt <= cut);
        Assert.All(histories, h => Assert.Contains(h.Writes, w => w.At > cut));
        Assert.All(histories, h => Assert.Contains(h.Writes, w => w.At <= cut && w.Kind != WriteKind.Insert));

        using var target = new Target(2);
        var mongos = target.Mongos;
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(Request(target, source, manifest.Id), CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));

        var orders = histories[0].StateAt(cut, TwoShardCluster.InitialOrders);
        orders[-1] = 7;
        orders[1_000_000] = 7;
        Assert.Equal(orders.OrderBy(p => p.Key), await StateAsync(mongos, "shop", "orders"));
        Assert.Equal(histories[1].StateAt(cut, InitialEvents).OrderBy(p => p.Key), await StateAsync(mongos, "shop", "events"));
        Assert.Equal(histories[2].StateAt(cut, InitialNotes).OrderBy(p => p.Key), await StateAsync(mongos, "shop", "notes"));
        Assert.Equal(10, await Collection(mongos, "users").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));

        Assert.Equal(await ShardingAsync(source.Mongos, "shop"), await ShardingAsync(mongos, "shop"));
        Assert.Equal(await ZonesAsync(source.Mongos, "shop"), await ZonesAsync(mongos, "shop"));
        Assert.Equal(["crm shard1", "shop shard0"], await PrimariesAsync(mongos));
        Assert.Equal(["shard0 east", "shard1 west"], await ShardZonesAsync(mongos));
        Assert.Equal(50, await mongos.GetDatabase("crm").GetCollection<BsonDocument>("contacts").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(3, await Collection(mongos, "names").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        foreach (var name in new[] { "orders", "events", "users", "notes", "names" })
            Assert.Equal(await IndexesAsync(source.Mongos, "shop", name), await IndexesAsync(mongos, "shop", name));
        Assert.Contains(observer.Verboses, v => v.Contains("crm: created on its primary shard shard1, as in the snapshot"));
    }

    [Fact]
    public async Task A_renamed_database_is_sharded_with_the_same_keys_and_zone_ranges_under_its_new_name()
    {
        var (source, manifest) = (quiet.Source, quiet.Manifest);
        using var target = new Target(2);
        var mongos = target.Mongos;
        var request = Request(target, source, manifest.Id) with { Map = new NamespaceMap().AddDatabaseRename("shop", "shop2") };
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));

        Assert.Equal((await ShardingAsync(source.Mongos, "shop")).Select(c => c.Replace("shop.", "shop2.")), await ShardingAsync(mongos, "shop2"));
        Assert.Equal((await ZonesAsync(source.Mongos, "shop")).Select(c => c.Replace("shop.", "shop2.")), await ZonesAsync(mongos, "shop2"));
        Assert.Equal(TwoShardCluster.InitialOrders, await mongos.GetDatabase("shop2").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Empty(await ShardingAsync(mongos, "shop"));
    }

    [Fact]
    public async Task A_target_sharded_on_another_key_is_refused_naming_both_keys_and_the_others_are_restored_then_Drop_replaces_it()
    {
        var (source, manifest) = (quiet.Source, quiet.Manifest);
        using var target = new Target(2);
        var mongos = target.Mongos;
        mongos.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", new BsonDocument("qty", 1) } });
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(Request(target, source, manifest.Id), CancellationToken.None);

        var refused = Assert.Single(outcome.Namespaces, n => n.Error is not null);
        Assert.Equal("shop.orders", refused.TargetNamespace);
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.ShardKeyConflict, error.ErrorId);
        Assert.Contains("{ \"qty\" : 1 }", error.Message);
        Assert.Contains("{ \"_id\" : 1 }", error.Message);
        Assert.Contains("-Drop", error.Message);
        Assert.Equal(0, await Collection(mongos, "orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal("{ \"qty\" : 1 }", (await Config(mongos, "collections").Find(new BsonDocument("_id", "shop.orders")).SingleAsync())["key"].ToJson());
        Assert.Equal(InitialEvents, await Collection(mongos, "events").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));

        var dropped = await new RestoreRunner(new RecordingObserver()).RunAsync(Request(target, source, manifest.Id) with { Drop = true }, CancellationToken.None);
        Assert.True(dropped.Succeeded, string.Join("; ", dropped.Namespaces.Select(n => n.Error)));
        Assert.Equal("{ \"_id\" : 1 }", (await Config(mongos, "collections").Find(new BsonDocument("_id", "shop.orders")).SingleAsync())["key"].ToJson());
        Assert.Equal(TwoShardCluster.InitialOrders, await Collection(mongos, "orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Resuming_into_a_target_that_holds_documents_unsharded_is_refused_for_a_sharded_collection_and_leaves_it_as_it_was()
    {
        var (source, manifest) = (quiet.Source, quiet.Manifest);
        using var target = new Target(2);
        var users = Collection(target.Mongos, "users");
        await users.InsertOneAsync(new BsonDocument { { "_id", 99 }, { "email", "local@example.com" } });
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(Request(target, source, manifest.Id) with { Resume = true }, CancellationToken.None);

        Assert.Equal(["shop.users"], outcome.Namespaces.Where(n => n.Error is not null).Select(n => n.TargetNamespace));
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.ShardKeyConflict, error.ErrorId);
        Assert.Contains("exists unsharded and holds 1 document;", error.Message);
        Assert.Equal([99], (await users.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
        Assert.DoesNotContain(await ShardingAsync(target.Mongos, "shop"), c => c.StartsWith("shop.users ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Into_a_cluster_without_a_shard_of_the_sources_names_the_cluster_chooses_the_primary_and_a_zone_without_its_shards_is_left_out_with_a_warning()
    {
        var (source, manifest) = (quiet.Source, quiet.Manifest);
        using var target = new Target(1);
        var mongos = target.Mongos;
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(Request(target, source, manifest.Id), CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));

        Assert.Contains(observer.Verboses, v => v.Contains("crm: the target has no shard named shard1, its primary in the snapshot; the cluster chose shard0"));
        Assert.Equal(["crm shard0", "shop shard0"], await PrimariesAsync(mongos));
        Assert.Equal(["shard0 east"], await ShardZonesAsync(mongos));
        var warning = Assert.Single(observer.Warnings, w => w.Contains("zone west"));
        Assert.Contains("shop.orders", warning);
        Assert.Equal(["shop.orders east { \"_id\" : { \"$minKey\" : 1 } } { \"_id\" : 2500 }"], await ZonesAsync(mongos, "shop"));
        Assert.Equal(await ShardingAsync(source.Mongos, "shop"), await ShardingAsync(mongos, "shop"));
        Assert.Equal(TwoShardCluster.InitialOrders, await Collection(mongos, "orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    /// <summary>
    /// Adds to the source (shop on shard0): crm on shard1 with crm.contacts (50 documents; a target cluster left to itself
    /// would put crm, created first, on shard0 and shop on shard1), shop.events hashed on _id (1,000 documents on both
    /// shards), shop.users unique on email, shop.names with a French default collation sharded on name (a French index on the key beside a simple one), shop.notes unsharded, zones east (shard0) and west (shard1) over shop.orders'
    /// two chunks, and secondary indexes.
    /// </summary>
    private static void ShapeSource(TwoShardCluster source)
    {
        source.RunAdmin(new BsonDocument { { "enableSharding", "crm" }, { "primaryShard", "shard1" } });
        source.Mongos.GetDatabase("crm").GetCollection<BsonDocument>("contacts").InsertMany(Enumerable.Range(0, 50).Select(i => new BsonDocument("_id", i)));
        source.RunAdmin(new BsonDocument { { "shardCollection", "shop.events" }, { "key", new BsonDocument("_id", "hashed") } });
        source.RunAdmin(new BsonDocument { { "shardCollection", "shop.users" }, { "key", new BsonDocument("email", 1) }, { "unique", true } });
        source.Mongos.GetDatabase("shop").CreateCollection("names", new CreateCollectionOptions { Collation = new Collation("fr") });
        // An index on the key in the collection's French collation (name_1) cannot serve the shard key; a simple one
        // under another name does (a target left to make its own key index would take the name name_1).
        Collection(source.Mongos, "names").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1)));
        Collection(source.Mongos, "names").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1), new CreateIndexOptions { Name = "name_simple", Collation = new Collation("simple") }));
        source.RunAdmin(new BsonDocument { { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "simple") } });
        Collection(source.Mongos, "names").InsertMany(new[] { "Émile", "Zoé", "anne" }.Select((n, i) => new BsonDocument { { "_id", i }, { "name", n } }));
        Collection(source.Mongos, "events").InsertMany(Enumerable.Range(0, InitialEvents).Select(i => new BsonDocument { { "_id", i }, { "qty", 0 } }));
        Collection(source.Mongos, "users").InsertMany(Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "email", $"u{i}@example.com" } }));
        Collection(source.Mongos, "notes").InsertMany(Enumerable.Range(0, InitialNotes).Select(i => new BsonDocument { { "_id", i }, { "qty", 0 } }));
        source.Orders.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("qty", 1)));
        Collection(source.Mongos, "events").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("qty", -1), new CreateIndexOptions { Name = "qty_desc" }));
        source.RunAdmin(new BsonDocument { { "addShardToZone", "shard0" }, { "zone", "east" } });
        source.RunAdmin(new BsonDocument { { "addShardToZone", "shard1" }, { "zone", "west" } });
        source.RunAdmin(new BsonDocument { { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("_id", BsonMinKey.Value) }, { "max", new BsonDocument("_id", 2500) }, { "zone", "east" } });
        source.RunAdmin(new BsonDocument { { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("_id", 2500) }, { "max", new BsonDocument("_id", BsonMaxKey.Value) }, { "zone", "west" } });
    }

    /// <summary>The source shaped by <see cref="ShapeSource"/>, taking no writes, and its snapshot: shared by the tests that need no writes during the backup.</summary>
    public sealed class QuietSnapshot : IDisposable
    {
        public QuietSnapshot()
        {
            Source = new TwoShardCluster();
            ShapeSource(Source);
            Manifest = new FullBackup(new RecordingObserver()).RunAsync(Backup(Source), CancellationToken.None).GetAwaiter().GetResult();
        }

        internal TwoShardCluster Source { get; }
        public SnapshotManifest Manifest { get; }
        public void Dispose() => Source.Dispose();
    }

    /// <summary>A fresh target cluster of <paramref name="shards"/> shards and a client on its mongos.</summary>
    private sealed class Target(int shards) : IDisposable
    {
        public ShardedCluster Cluster { get; } = ShardedCluster.Start(new ShardedClusterOptions { Shards = shards, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        public MongoClient Mongos => _mongos ??= new MongoClient(Cluster.ConnectionString);
        private MongoClient? _mongos;

        public void Dispose()
        {
            _mongos?.Dispose();
            Cluster.Dispose();
        }
    }

    private static RestoreRequest Request(Target target, TwoShardCluster source, string id) => new()
    {
        Connection = new ConnectionSettings { ConnectionString = target.Cluster.ConnectionString },
        Snapshot = new RepositorySnapshot(source.Repository, id),
    };

    private static MongoBackup.Engine.Dump.BackupRequest Backup(TwoShardCluster source) => source.Backup() with { Filter = new NamespaceFilter() };

    /// <summary>"database primary" of every database but config, from config.databases.</summary>
    private static async Task<List<string>> PrimariesAsync(IMongoClient client) =>
        (await Config(client, "databases").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .Select(d => $"{d["_id"]} {d["primary"]}").Order(StringComparer.Ordinal).ToList();

    /// <summary>"shard zone" for every zone of every shard, from listShards.</summary>
    private static async Task<List<string>> ShardZonesAsync(IMongoClient client)
    {
        var shards = (await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("listShards", 1)))["shards"].AsBsonArray;
        return shards.SelectMany(s => s["tags"].AsBsonArray.Select(t => $"{s["_id"]} {t}")).Order(StringComparer.Ordinal).ToList();
    }

    private static IMongoCollection<BsonDocument> Collection(IMongoClient client, string name) => client.GetDatabase("shop").GetCollection<BsonDocument>(name);

    private static IMongoCollection<BsonDocument> Config(IMongoClient client, string name) => client.GetDatabase("config").GetCollection<BsonDocument>(name);

    private static async Task<List<KeyValuePair<int, int>>> StateAsync(IMongoClient client, string database, string collection)
    {
        var documents = await client.GetDatabase(database).GetCollection<BsonDocument>(collection).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        return documents.Select(d => KeyValuePair.Create(d["_id"].AsInt32, d["qty"].AsInt32)).OrderBy(p => p.Key).ToList();
    }

    /// <summary>"ns key unique" of every sharded collection of a database, from config.collections.</summary>
    private static async Task<List<string>> ShardingAsync(IMongoClient client, string database)
    {
        var entries = await Config(client, "collections").Find(new BsonDocument("_id", new BsonRegularExpression($"^{database}\\."))).ToListAsync();
        return entries.Select(e => $"{e["_id"]} {e["key"].ToJson()} {e.GetValue("unique", false)}").Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>"ns zone min max" of every zone range of a database, from config.tags.</summary>
    private static async Task<List<string>> ZonesAsync(IMongoClient client, string database)
    {
        var ranges = await Config(client, "tags").Find(new BsonDocument("ns", new BsonRegularExpression($"^{database}\\."))).ToListAsync();
        return ranges.Select(r => $"{r["ns"]} {r["tag"]} {r["min"].ToJson()} {r["max"].ToJson()}").Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> IndexesAsync(IMongoClient client, string database, string collection)
    {
        var indexes = await (await client.GetDatabase(database).GetCollection<BsonDocument>(collection).Indexes.ListAsync()).ToListAsync();
        return indexes.Select(i => $"{i["name"]} {i["key"].ToJson()} {i.GetValue("unique", false)} {i.GetValue("collation", new BsonDocument()).AsBsonDocument.GetValue("locale", "simple")}")
            .Order(StringComparer.Ordinal).ToList();
    }
}
