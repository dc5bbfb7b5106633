using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// Which index serves a shard key when shardCollection is run on a collection that holds documents: one whose key begins
/// with the shard key and that is neither sparse, partial, hidden nor of a non-simple collation (shard_key_index_util.cpp
/// isCompatibleWithShardKey; hidden indexes are skipped). Without one, InvalidOptions (72), "Please create an index that
/// starts with the proposed shard key before sharding the collection."
/// </summary>
public sealed class ShardKeyIndexTests
{
    [InMemoryFact("the sharded mode is the in-memory server's")]
    public void A_sparse_or_partial_index_beginning_with_the_key_does_not_serve_it_and_a_plain_one_does()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument("enableSharding", "shop"));
        var orders = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        orders.InsertOne(new BsonDocument { { "_id", 1 }, { "region", "eu" }, { "open", true } });
        orders.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("region", 1), new CreateIndexOptions { Sparse = true, Name = "region_sparse" }));
        orders.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument { { "region", 1 }, { "day", 1 } },
            new CreateIndexOptions<BsonDocument> { PartialFilterExpression = new BsonDocument("open", true) }));
        BsonDocument Shard() => fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", new BsonDocument("region", 1) } });

        var refused = Assert.Throws<MongoCommandException>(Shard);
        Assert.Equal(72, refused.Code);
        Assert.Contains("Please create an index that starts with the proposed shard key", refused.ErrorMessage);

        orders.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument { { "region", 1 }, { "at", 1 } }));
        Shard();
        Assert.Equal(1, fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "shop.orders")));
    }

    [InMemoryFact("the sharded mode is the in-memory server's")]
    public void A_unique_index_the_shard_key_is_not_a_prefix_of_refuses_sharding_and_one_it_prefixes_does_not()
    {
        // shard_key_util.cpp validateShardKeyIndexExistsOrCreateIfPossible, step 1: every unique index must have the
        // shard key as a prefix (ShardKeyPattern::isIndexUniquenessCompatible; the _id index aside), else InvalidOptions.
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument("enableSharding", "shop"));
        var orders = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        orders.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("orderNo", 1), new CreateIndexOptions { Unique = true }));
        BsonDocument Shard(BsonDocument key) => fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", key } });

        var refused = Assert.Throws<MongoCommandException>(() => Shard(new BsonDocument("customerId", 1)));

        Assert.Equal(72, refused.Code);
        Assert.Equal("can't shard collection 'shop.orders' with unique index on { \"orderNo\" : 1 } and proposed shard key { \"customerId\" : 1 }. " +
            "Uniqueness can't be maintained unless shard key is a prefix", refused.ErrorMessage);
        Assert.Equal(0, fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "shop.orders")));

        var items = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("items");
        items.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument { { "sku", 1 }, { "lot", 1 } }, new CreateIndexOptions { Unique = true }));
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.items" }, { "key", new BsonDocument("sku", 1) } });
        Assert.Equal(1, fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "shop.items")));
    }
}
