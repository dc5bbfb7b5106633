using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// The no-op entries a shard writes for change streams when a collection is sharded or its key refined (the forms of
/// change_stream_oplog_notification.cpp and refine_collection_shard_key_coordinator.cpp), which a point-in-time restore
/// into a cluster reads to shard its target as the source was; and refineCollectionShardKey's metadata.
/// </summary>
public class ShardingEventTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    [InMemoryFact(Reason)]
    public void ShardCollection_writes_its_no_op_on_the_primary_shard_only()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.codes" }, { "key", new BsonDocument("code", 1) }, { "unique", true } });

        var events = fixture.OplogOf(0, new BsonDocument { { "op", "n" }, { "o2.shardCollection", new BsonDocument("$exists", true) } });
        Assert.Equal(2, events.Count);
        var orders = events[0];
        Assert.Equal("shop.orders", orders["ns"].AsString);
        Assert.Equal(new BsonDocument("msg", new BsonDocument("shardCollection", "shop.orders")), orders["o"]);
        Assert.Equal(new BsonDocument
        {
            { "shardCollection", "shop.orders" }, { "shardKey", new BsonDocument("customer", 1) }, { "unique", false },
            { "numInitialChunks", 0L }, { "presplitHashedZones", false },
        }, orders["o2"]);
        var uuid = fixture.Shards[0].GetDatabase("shop").ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", "orders") }).Single()["info"]["uuid"];
        Assert.Equal(uuid, orders["ui"]);
        Assert.True(events[1]["o2"]["unique"].AsBoolean);
        // After the collection's create and its key index on the primary shard; nothing on the other shard.
        var createdAt = fixture.OplogOf(0, new BsonDocument("o.create", "orders")).Single()["ts"].AsBsonTimestamp;
        Assert.True(orders["ts"].AsBsonTimestamp.CompareTo(createdAt) > 0);
        Assert.Empty(fixture.OplogOf(1, new BsonDocument("o2.shardCollection", new BsonDocument("$exists", true))));
    }

    [InMemoryFact(Reason)]
    public void RefineCollectionShardKey_extends_the_key_and_chunk_bounds_and_writes_its_no_op()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        var refine = new BsonDocument { { "refineCollectionShardKey", "shop.orders" }, { "key", new BsonDocument { { "customer", 1 }, { "order", 1 } } } };
        var noIndex = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(refine));
        Assert.Equal(72, noIndex.Code);
        var notExtending = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "refineCollectionShardKey", "shop.orders" }, { "key", new BsonDocument("order", 1) } }));
        Assert.Equal(72, notExtending.Code);
        var notSharded = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "refineCollectionShardKey", "shop.other" }, { "key", new BsonDocument("a", 1) } }));
        Assert.Equal(118, notSharded.Code);

        fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").Indexes.CreateOne(
            new CreateIndexModel<BsonDocument>(new BsonDocument { { "customer", 1 }, { "order", 1 } }));
        fixture.RunAdmin(refine);

        var config = fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("collections").Find(new BsonDocument("_id", "shop.orders")).Single();
        Assert.Equal(new BsonDocument { { "customer", 1 }, { "order", 1 } }, config["key"]);
        var chunk = Assert.Single(fixture.ChunksOf("shop.orders"));
        Assert.Equal(new BsonDocument { { "customer", BsonMinKey.Value }, { "order", BsonMinKey.Value } }, chunk["min"]);
        Assert.Equal(new BsonDocument { { "customer", BsonMaxKey.Value }, { "order", BsonMaxKey.Value } }, chunk["max"]);
        var entry = fixture.OplogOf(0, new BsonDocument("o2.refineCollectionShardKey", "shop.orders")).Single();
        Assert.Equal("n", entry["op"].AsString);
        Assert.Equal(new BsonDocument
        {
            { "refineCollectionShardKey", "shop.orders" }, { "shardKey", new BsonDocument { { "customer", 1 }, { "order", 1 } } },
            { "oldShardKey", new BsonDocument("customer", 1) },
        }, entry["o2"]);
        // Writes route by the refined key.
        fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument { { "_id", 1 }, { "customer", "c" }, { "order", 7 } });
        Assert.Single(fixture.OnShard(0, "shop", "orders"));
    }
}
