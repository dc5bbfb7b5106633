using MongoBackup.TestServer.Sharding;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>shardCollection with range and hashed keys, the metadata it writes, and CRUD through mongos routed by shard key.</summary>
public class ShardedCrudTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    /// <summary>The values db/hasher_test.cpp expects of BSONElementHasher::hash64 with seed 0.</summary>
    public static TheoryData<BsonValue, long> MongoDBHashes => new()
    {
        { 42, -944302157085130861L }, { 0, 4854801880128277513L }, { 0.456, 4854801880128277513L }, { 0L, 4854801880128277513L },
        { double.NaN, 4854801880128277513L }, { 1, 5902408780260971510L }, { 1.987, 5902408780260971510L }, { -1, 1140205862565771219L },
        { -1.789, 1140205862565771219L }, { int.MinValue, 6165898260261354870L }, { int.MaxValue, 1143184177162245883L },
        { double.MaxValue, 921523596458303250L }, { long.MaxValue, 921523596458303250L }, { -double.MaxValue, 4532067210535695462L },
        { long.MinValue, 4532067210535695462L }, { BsonMinKey.Value, 7961148599568647290L }, { BsonMaxKey.Value, 5504842513779440750L },
        { BsonUndefined.Value, 40158834000849533L }, { "abc", 8478485326885698097L }, { "", 2049396243249673340L },
        { new BsonDocument { { "a", "abc" }, { "b", 123L } }, 4771603801758380216L }, { new BsonDocument(), 7980500913326740417L },
        { new BsonArray { "bar", "baz", "qux" }, -2938911267422831539L }, { new BsonArray(), 8849948234993459283L },
        { new BsonBinaryData(new byte[] { 0, 1, 2, 3, 4, 6 }, BsonBinarySubType.Binary), 7252465090394235301L },
        { new BsonBinaryData(new byte[] { 0, 1, 2, 3, 4, 6 }, BsonBinarySubType.UserDefined), 5736670452907618262L },
        { new BsonBinaryData(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), BsonBinarySubType.UuidStandard), 6084661258071355978L },
        { new ObjectId("010203040506070809101112"), -5588663249627035708L }, { ObjectId.Empty, -4293118519463489418L },
        { true, 6405873908747105701L }, { false, 6289544573401934092L },
        { new BsonDateTime(0x5566778811223344L), 4476222765095560467L }, { new BsonDateTime(0), -1178696894582842035L },
        { new BsonRegularExpression("mongodb"), -7275792090268217043L }, { new BsonRegularExpression(".*", "i"), 7095855029187981886L },
    };

    [Theory]
    [MemberData(nameof(MongoDBHashes))]
    public void Hashed_values_are_MongoDBs_hash64(BsonValue value, long hash) => Assert.Equal(hash, ShardKeyHasher.Hash(value));

    /// <summary>
    /// renameCollection through mongos from a database whose primary is shard0 into one whose primary is shard1: MongoDB
    /// refuses it, CommandFailed (125) "Source and destination collections must be on same shard"
    /// (sharding_ddl_util.cpp checkDbPrimariesOnTheSameShard, from rename_collection_coordinator.cpp), and the collection
    /// keeps its documents under its name.
    /// </summary>
    [InMemoryFact(Reason)]
    public void A_rename_across_databases_on_different_primary_shards_is_refused_and_keeps_its_documents()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "src" }, { "primaryShard", ShardedCluster.ShardName(0) } });
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "dst" }, { "primaryShard", ShardedCluster.ShardName(1) } });
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        fixture.Mongos.GetDatabase("dst").GetCollection<BsonDocument>("keep").InsertOne(new BsonDocument("_id", 1));

        var refused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "dst.y" } }));

        Assert.Equal(125, refused.Code);
        Assert.Equal("CommandFailed", refused.CodeName);
        Assert.Contains("Source and destination collections must be on same shard", refused.Message);
        Assert.Equal(2, fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").CountDocuments(new BsonDocument()));
        Assert.DoesNotContain("y", fixture.Mongos.GetDatabase("dst").ListCollectionNames().ToList());
    }

    /// <summary>
    /// A rename into a database the cluster does not know: mongos does not create it (the rename coordinator reads it
    /// with getDatabaseWithRefresh, sharding_ddl_util.cpp), NamespaceNotFound (26) "database dst not found"; nothing
    /// moves and no database dst appears. (The test server renamed it on the source's primary, into a database the
    /// router did not know, so the documents were out of the cluster's view.)
    /// </summary>
    [InMemoryFact(Reason)]
    public void A_rename_into_a_database_the_cluster_does_not_know_is_NamespaceNotFound_and_moves_nothing()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "src" }, { "primaryShard", ShardedCluster.ShardName(1) } });
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);

        var refused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "dst.y" } }));

        Assert.Equal(26, refused.Code);
        Assert.Contains("database dst not found", refused.Message);
        Assert.Equal(2, fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").CountDocuments(new BsonDocument()));
        Assert.DoesNotContain("dst", fixture.Mongos.ListDatabaseNames().ToList());
        Assert.DoesNotContain("dst", fixture.Shards[1].ListDatabaseNames().ToList());
    }

    /// <summary>
    /// A sharded collection renamed into another database: CommandFailed (125) "Source and destination collections must be
    /// on the same database because src.x is sharded." (rename_collection_coordinator.cpp), and it keeps its documents.
    /// </summary>
    [InMemoryFact(Reason)]
    public void A_sharded_collection_renamed_into_another_database_is_refused_and_keeps_its_documents()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("src", "x", new BsonDocument("_id", 1));
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "dst" }, { "primaryShard", ShardedCluster.ShardName(0) } });
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);

        var refused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "dst.y" } }));

        Assert.Equal(125, refused.Code);
        Assert.Contains("Source and destination collections must be on the same database because src.x is sharded.", refused.Message);
        Assert.Equal(2, fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").CountDocuments(new BsonDocument()));
    }

    /// <summary>
    /// A sharded collection renamed within its database (rename_collection_coordinator.cpp, 7.0/8.0): its documents on
    /// both shards follow it, each shard logs its own renameCollection, and its metadata moves with it: config.collections
    /// under the new name with the same uuid and key (a new epoch), the chunks (named by uuid) unchanged, its zone range
    /// under the new name; writes to the new name are routed by the key.
    /// </summary>
    [InMemoryFact(Reason)]
    public void A_sharded_collection_renamed_within_its_database_keeps_its_documents_chunks_and_zones()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("src", "x", new BsonDocument("_id", 1));
        fixture.RunAdmin(new BsonDocument { { "split", "src.x" }, { "middle", new BsonDocument("_id", 100) } });
        fixture.RunAdmin(new BsonDocument { { "moveChunk", "src.x" }, { "find", new BsonDocument("_id", 150) }, { "to", ShardedCluster.ShardName(1) }, { "_waitForDelete", true } });
        fixture.RunAdmin(new BsonDocument { { "addShardToZone", ShardedCluster.ShardName(1) }, { "zone", "high" } });
        fixture.RunAdmin(new BsonDocument { { "updateZoneKeyRange", "src.x" }, { "min", new BsonDocument("_id", 100) }, { "max", new BsonDocument("_id", BsonMaxKey.Value) }, { "zone", "high" } });
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 150)]);
        var config = fixture.Config.GetDatabase("config");
        var before = config.GetCollection<BsonDocument>("collections").Find(new BsonDocument("_id", "src.x")).Single();
        var chunks = fixture.ChunksOf("src.x");

        fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "src.y" } });
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("y").InsertOne(new BsonDocument("_id", 200));

        Assert.Equal(["y"], fixture.Mongos.GetDatabase("src").ListCollectionNames().ToList());
        Assert.Equal([1, 150, 200], fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("y").Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal([1], fixture.OnShard(0, "src", "y").Select(d => d["_id"].AsInt32));
        Assert.Equal([150, 200], fixture.OnShard(1, "src", "y").Select(d => d["_id"].AsInt32));
        foreach (var shard in new[] { 0, 1 })
            Assert.Single(fixture.OplogOf(shard, new BsonDocument { { "op", "c" }, { "o.renameCollection", "src.x" }, { "o.to", "src.y" } }));
        var after = config.GetCollection<BsonDocument>("collections").Find(new BsonDocument("_id", "src.y")).Single();
        Assert.Equal((before["uuid"], before["key"], before["unique"]), (after["uuid"], after["key"], after["unique"]));
        Assert.NotEqual(before["lastmodEpoch"], after["lastmodEpoch"]);
        Assert.Equal(0, config.GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "src.x")));
        Assert.Equal(chunks, fixture.ChunksOf("src.y"));
        Assert.Equal(["src.y"], config.GetCollection<BsonDocument>("tags").Find(new BsonDocument("tag", "high")).ToList().Select(t => t["ns"].AsString));
    }

    /// <summary>A sharded collection renamed onto an existing collection of its database without dropTarget: NamespaceExists (48), nothing moved.</summary>
    [InMemoryFact(Reason)]
    public void A_sharded_collection_renamed_onto_an_existing_collection_is_NamespaceExists()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("src", "x", new BsonDocument("_id", 1));
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").InsertOne(new BsonDocument("_id", 1));
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("y").InsertOne(new BsonDocument("_id", 2));

        var refused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "src.y" } }));

        Assert.Equal(48, refused.Code);
        Assert.Equal(1, fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").CountDocuments(new BsonDocument()));
        Assert.Equal(1, fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "src.x")));
    }

    /// <summary>A rename from a database the cluster does not know: NamespaceNotFound "database src not found" (cluster_rename_collection_cmd.cpp).</summary>
    [InMemoryFact(Reason)]
    public void A_rename_from_a_database_the_cluster_does_not_know_is_NamespaceNotFound()
    {
        using var fixture = new ClusterFixture();

        var refused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "src.y" } }));

        Assert.Equal(26, refused.Code);
        Assert.Contains("database src not found", refused.Message);
    }

    /// <summary>The same rename between databases whose primary is one shard runs there, and the documents stay in the cluster's view.</summary>
    [InMemoryFact(Reason)]
    public void A_rename_across_databases_on_the_same_primary_shard_runs_and_keeps_its_documents_in_view()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "src" }, { "primaryShard", ShardedCluster.ShardName(1) } });
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "dst" }, { "primaryShard", ShardedCluster.ShardName(1) } });
        fixture.Mongos.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        fixture.Mongos.GetDatabase("dst").GetCollection<BsonDocument>("keep").InsertOne(new BsonDocument("_id", 1));

        fixture.RunAdmin(new BsonDocument { { "renameCollection", "src.x" }, { "to", "dst.y" } });

        Assert.Equal(2, fixture.Mongos.GetDatabase("dst").GetCollection<BsonDocument>("y").CountDocuments(new BsonDocument()));
        Assert.DoesNotContain("x", fixture.Mongos.GetDatabase("src").ListCollectionNames().ToList());
    }

    [InMemoryFact(Reason)]
    public void ShardCollection_writes_the_metadata_as_MongoDB_7_stores_it()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        var config = fixture.Config.GetDatabase("config");
        var database = config.GetCollection<BsonDocument>("databases").Find(new BsonDocument("_id", "shop")).Single();
        Assert.Equal("shard0", database["primary"].AsString);
        Assert.Equal(1, database["version"]["lastMod"].ToInt32());
        var collection = config.GetCollection<BsonDocument>("collections").Find(new BsonDocument("_id", "shop.orders")).Single();
        Assert.Equal(new BsonDocument("customer", 1), collection["key"]);
        Assert.False(collection["unique"].ToBoolean());
        var onShard = fixture.Shards[0].GetDatabase("shop").ListCollections().ToList().Single(c => c["name"] == "orders");
        Assert.Equal(onShard["info"]["uuid"], collection["uuid"]); // the collection keeps the primary shard's UUID
        var chunk = Assert.Single(fixture.ChunksOf("shop.orders"));
        Assert.Equal(collection["uuid"], chunk["uuid"]);
        Assert.False(chunk.Contains("ns")); // 5.0+ chunks name their collection by uuid
        Assert.Equal(new BsonDocument("customer", BsonMinKey.Value), chunk["min"]);
        Assert.Equal(new BsonDocument("customer", BsonMaxKey.Value), chunk["max"]);
        Assert.Equal("shard0", chunk["shard"].AsString);
        Assert.Equal(new BsonTimestamp(1, 0), chunk["lastmod"]);
        Assert.Equal("shard0", chunk["history"][0]["shard"].AsString);
        // The shard key index exists on the primary shard.
        Assert.Contains(fixture.Shards[0].GetDatabase("shop").GetCollection<BsonDocument>("orders").Indexes.List().ToList(), i => i["name"] == "customer_1");
        // Sharding again with the same key is accepted; with another, refused.
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", new BsonDocument("customer", 1) } });
        var again = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", new BsonDocument("other", 1) } }));
        Assert.Equal(23, again.Code);
    }

    [InMemoryFact(Reason)]
    public void A_hashed_key_spreads_chunks_over_the_shards_and_documents_by_their_hash()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "events", new BsonDocument("_id", "hashed"));
        var chunks = fixture.ChunksOf("shop.events");
        Assert.Equal(["shard0", "shard1"], chunks.Select(c => c["shard"].AsString));
        Assert.Equal(new BsonDocument("_id", 0L), chunks[1]["min"]); // the hash space halved
        var events = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("events");
        events.InsertMany(Enumerable.Range(0, 40).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        var onShard0 = fixture.OnShard(0, "shop", "events").Select(d => d["_id"].AsInt32).ToList();
        var onShard1 = fixture.OnShard(1, "shop", "events").Select(d => d["_id"].AsInt32).ToList();
        Assert.Equal(Enumerable.Range(0, 40), onShard0.Concat(onShard1).Order());
        Assert.All(onShard0, id => Assert.True(ShardKeyHasher.Hash(id) < 0));
        Assert.All(onShard1, id => Assert.True(ShardKeyHasher.Hash(id) >= 0));
        Assert.NotEmpty(onShard0);
        Assert.NotEmpty(onShard1);
        // Each shard's collection has the same UUID, and each shard's oplog holds only its own inserts.
        var uuids = Enumerable.Range(0, 2).Select(s => fixture.Shards[s].GetDatabase("shop").ListCollections().ToList().Single(c => c["name"] == "events")["info"]["uuid"]);
        Assert.Single(uuids.Distinct());
        var logged0 = fixture.OperationsOf(0, "shop.events", "i").Select(e => e["o"]["_id"].AsInt32);
        Assert.Equal(onShard0.Order(), logged0.Order());
        Assert.Equal(40, events.CountDocuments(new BsonDocument()));
    }

    [InMemoryFact(Reason)]
    public void Range_routed_CRUD_reaches_the_owning_shard_and_reads_merge_across_shards()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        fixture.RunAdmin(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("customer", 100) } });
        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 100) }, { "to", "shard1" } });
        var orders = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        orders.InsertMany(Enumerable.Range(0, 20).Select(i => new BsonDocument { { "_id", i }, { "customer", i * 10 }, { "total", i } }));

        Assert.Equal(Enumerable.Range(0, 10), fixture.OnShard(0, "shop", "orders").Select(d => d["_id"].AsInt32));
        Assert.Equal(Enumerable.Range(10, 10), fixture.OnShard(1, "shop", "orders").Select(d => d["_id"].AsInt32));
        Assert.Equal(Enumerable.Range(0, 20).Reverse(), orders.Find(new BsonDocument()).Sort(new BsonDocument("total", -1)).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal([5, 6, 7], orders.Find(new BsonDocument("total", new BsonDocument("$gte", 5))).Sort(new BsonDocument("_id", 1)).Limit(3).ToList().Select(d => d["_id"].AsInt32));
        var grouped = orders.Aggregate(PipelineDefinition<BsonDocument, BsonDocument>.Create(BsonDocument.Parse("{$group: {_id: null, sum: {$sum: '$total'}}}"))).Single();
        Assert.Equal(190, grouped["sum"].ToInt32());

        // By key: one shard. Broadcast: every shard. A single update without the key: the first that matches.
        orders.UpdateOne(new BsonDocument("customer", 150), new BsonDocument("$set", new BsonDocument("seen", true)));
        Assert.True(fixture.OnShard(1, "shop", "orders").Single(d => d["_id"] == 15)["seen"].AsBoolean);
        Assert.Equal(20, orders.UpdateMany(new BsonDocument(), new BsonDocument("$inc", new BsonDocument("total", 1))).ModifiedCount);
        Assert.Equal(1, orders.UpdateOne(new BsonDocument("total", 20), new BsonDocument("$set", new BsonDocument("top", true))).ModifiedCount);
        Assert.True(fixture.OnShard(1, "shop", "orders").Single(d => d["_id"] == 19)["top"].AsBoolean);
        Assert.Equal(1, orders.DeleteOne(new BsonDocument("customer", 0)).DeletedCount);
        Assert.Equal(2, orders.DeleteMany(new BsonDocument("_id", new BsonDocument("$in", new BsonArray { 9, 10 }))).DeletedCount);
        Assert.Equal(8, fixture.OnShard(0, "shop", "orders").Count);
        Assert.Equal(9, fixture.OnShard(1, "shop", "orders").Count);
        var upsert = Assert.Throws<MongoWriteException>(() => orders.UpdateOne(new BsonDocument("total", 999), new BsonDocument("$set", new BsonDocument("y", 1)), new UpdateOptions { IsUpsert = true }));
        Assert.Equal(61, upsert.WriteError.Code);
        var moveKey = Assert.Throws<MongoWriteException>(() => orders.UpdateOne(new BsonDocument("customer", 120), new BsonDocument("$set", new BsonDocument("customer", 5))));
        Assert.Equal(59, moveKey.WriteError.Code);
    }

    [InMemoryFact(Reason)]
    public void Unsharded_collections_live_on_their_databases_primary_shard()
    {
        using var fixture = new ClusterFixture();
        var first = fixture.Mongos.GetDatabase("alpha").GetCollection<BsonDocument>("c");
        var second = fixture.Mongos.GetDatabase("beta").GetCollection<BsonDocument>("c");
        first.InsertOne(new BsonDocument("_id", 1));
        second.InsertOne(new BsonDocument("_id", 2));
        var primaries = fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(new BsonDocument()).ToList()
            .ToDictionary(d => d["_id"].AsString, d => d["primary"].AsString);
        Assert.Equal("shard0", primaries["alpha"]);
        Assert.Equal("shard1", primaries["beta"]); // implicit creation picks the shard that is primary for fewer databases
        Assert.Single(fixture.OnShard(0, "alpha", "c"));
        Assert.Empty(fixture.OnShard(1, "alpha", "c"));
        Assert.Single(fixture.OnShard(1, "beta", "c"));
        var names = fixture.Mongos.ListDatabaseNames().ToList();
        Assert.Contains("alpha", names);
        Assert.Contains("beta", names);
        Assert.Contains("config", names);
        Assert.DoesNotContain("local", names);
        Assert.Equal(["c"], fixture.Mongos.GetDatabase("beta").ListCollectionNames().ToList());
        first.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("a", 1)));
        Assert.Equal(2, first.Indexes.List().ToList().Count);
        fixture.Mongos.DropDatabase("alpha");
        Assert.Empty(fixture.OnShard(0, "alpha", "c"));
        Assert.Null(fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(new BsonDocument("_id", "alpha")).FirstOrDefault());
    }

    [InMemoryFact(Reason)]
    public void Admin_collections_written_through_mongos_live_on_the_config_server_and_are_read_back_from_it()
    {
        // MongoDB's ShardingCatalogClientImpl::getDatabase: "The admin database is always hosted on the config server".
        using var fixture = new ClusterFixture();
        var appdata = fixture.Admin.GetCollection<BsonDocument>("appdata");
        appdata.InsertMany(Enumerable.Range(0, 5).Select(i => new BsonDocument { { "_id", i }, { "key", $"k{i}" } }));
        appdata.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("key", 1), new CreateIndexOptions { Unique = true }));
        appdata.UpdateOne(new BsonDocument("_id", 0), new BsonDocument("$set", new BsonDocument("key", "changed")));
        appdata.DeleteOne(new BsonDocument("_id", 4));

        var onConfig = fixture.Config.GetDatabase("admin").GetCollection<BsonDocument>("appdata");
        Assert.Equal(4, onConfig.CountDocuments(new BsonDocument()));
        Assert.Equal("changed", onConfig.Find(new BsonDocument("_id", 0)).Single()["key"].AsString);
        Assert.Contains("key_1", onConfig.Indexes.List().ToList().Select(i => i["name"].AsString));
        foreach (var shard in fixture.Shards) Assert.DoesNotContain("appdata", shard.GetDatabase("admin").ListCollectionNames().ToList());
        Assert.Equal(onConfig.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList(), appdata.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList());
        Assert.Contains("appdata", fixture.Admin.ListCollectionNames().ToList());
        Assert.Contains("key_1", appdata.Indexes.List().ToList().Select(i => i["name"].AsString));
        Assert.Equal(4, appdata.CountDocuments(new BsonDocument()));
        // Written on the config server, its oplog holds them; no shard's oplog does.
        Assert.NotEmpty(fixture.Config.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(new BsonDocument("ns", "admin.appdata")).ToList());
        for (var i = 0; i < fixture.Shards.Count; i++) Assert.Empty(fixture.OplogOf(i, new BsonDocument("ns", "admin.appdata")));
    }

    [InMemoryFact(Reason)]
    public void A_read_at_a_past_cluster_time_is_refused_as_not_implemented_through_mongos_and_on_a_member()
    {
        using var fixture = new ClusterFixture();
        fixture.Admin.GetCollection<BsonDocument>("appdata").InsertOne(new BsonDocument("_id", 1));
        var at = new BsonDocument { { "level", "snapshot" }, { "atClusterTime", new BsonTimestamp(1, 1) } };
        foreach (var client in new[] { fixture.Mongos, fixture.Config })
        {
            var refused = Assert.Throws<MongoCommandException>(() => client.GetDatabase("admin").RunCommand<BsonDocument>(
                new BsonDocument { { "find", "appdata" }, { "readConcern", at } }));
            Assert.Equal((59, "CommandNotFound"), (refused.Code, refused.CodeName));
            Assert.Contains("atClusterTime", refused.Message);
        }
    }
}
