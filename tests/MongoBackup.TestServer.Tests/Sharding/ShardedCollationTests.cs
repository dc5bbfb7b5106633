using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// Reads and writes through mongos on a collection with a case-insensitive default collation sharded on a string key:
/// chunks are in simple (binary) order, so "A" and "a" lie on different shards here, and a query under the collection's
/// collation cannot be targeted by the exact key (SERVER-24751); mongos sends it to every shard and merges under the
/// collation.
/// </summary>
public class ShardedCollationTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    private static IMongoCollection<BsonDocument> CollatedAcrossShards(ClusterFixture fixture)
    {
        var shop = fixture.Mongos.GetDatabase("shop");
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "shop" }, { "primaryShard", "shard0" } });
        shop.RunCommand<BsonDocument>(new BsonDocument { { "create", "names" }, { "collation", new BsonDocument { { "locale", "en" }, { "strength", 2 } } } });
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "simple") } });
        fixture.RunAdmin(new BsonDocument { { "split", "shop.names" }, { "middle", new BsonDocument("name", "M") } });
        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.names" }, { "find", new BsonDocument("name", "a") }, { "to", "shard1" } });
        var names = shop.GetCollection<BsonDocument>("names");
        names.InsertMany([new BsonDocument { { "_id", 1 }, { "name", "A" } }, new BsonDocument { { "_id", 2 }, { "name", "a" } }, new BsonDocument { { "_id", 3 }, { "name", "B" } }]);
        Assert.Equal([1, 3], fixture.OnShard(0, "shop", "names").Select(d => d["_id"].AsInt32));
        return names;
    }

    [InMemoryFact(Reason)]
    public void A_find_by_the_shard_key_reaches_every_case_and_sorts_under_the_collation()
    {
        using var fixture = new ClusterFixture();
        var names = CollatedAcrossShards(fixture);

        Assert.Equal([1, 2], names.Find(new BsonDocument("name", "a")).ToList().Select(d => d["_id"].AsInt32).Order());
        Assert.Equal([1, 2, 3], names.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument { { "name", 1 }, { "_id", 1 } }).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal(2, names.CountDocuments(new BsonDocument("name", "A")));
    }

    [InMemoryFact(Reason)]
    public void A_delete_by_the_shard_key_deletes_every_case()
    {
        using var fixture = new ClusterFixture();
        var names = CollatedAcrossShards(fixture);

        var deleted = names.DeleteMany(new BsonDocument("name", "a"));

        Assert.Equal(2, deleted.DeletedCount);
        Assert.Equal([3], names.Find(FilterDefinition<BsonDocument>.Empty).ToList().Select(d => d["_id"].AsInt32));
    }

    [InMemoryFact(Reason)]
    public void An_upsert_by_a_string_key_is_refused_under_the_collation_and_targeted_under_the_simple_one()
    {
        using var fixture = new ClusterFixture();
        var names = CollatedAcrossShards(fixture);
        var filter = new BsonDocument { { "_id", 4 }, { "name", "c" } };
        var replacement = new BsonDocument { { "_id", 4 }, { "name", "c" } };

        var error = Assert.Throws<MongoWriteException>(() => names.ReplaceOne(filter, replacement, new ReplaceOptions { IsUpsert = true }));
        names.ReplaceOne(filter, replacement, new ReplaceOptions { IsUpsert = true, Collation = Collation.Simple });

        Assert.Equal(61, error.WriteError.Code);
        Assert.Equal("Failed to target upsert by query :: caused by :: Cannot target single shard due to collation of key name for namespace shop.names", error.WriteError.Message);
        Assert.Equal([4], fixture.OnShard(1, "shop", "names").Select(d => d["_id"].AsInt32).Where(id => id == 4));
    }
}
