using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>Zones as config.shards tags and config.tags ranges, and the errors of their commands.</summary>
public class ZoneTests
{
    [InMemoryFact("the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)")]
    public void Zones_are_kept_as_config_shards_tags_and_config_tags_ranges()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        var unknown = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument
        {
            { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("customer", 0) }, { "max", new BsonDocument("customer", 100) }, { "zone", "EU" },
        }));
        Assert.Equal(177, unknown.Code);

        fixture.RunAdmin(new BsonDocument { { "addShardToZone", "shard1" }, { "zone", "EU" } });
        fixture.RunAdmin(new BsonDocument
        {
            { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("customer", 0) }, { "max", new BsonDocument("customer", 100) }, { "zone", "EU" },
        });
        var config = fixture.Config.GetDatabase("config");
        Assert.Equal(new BsonArray { "EU" }, config.GetCollection<BsonDocument>("shards").Find(new BsonDocument("_id", "shard1")).Single()["tags"]);
        var range = config.GetCollection<BsonDocument>("tags").Find(new BsonDocument()).Single();
        Assert.Equal("shop.orders", range["ns"].AsString);
        Assert.Equal("EU", range["tag"].AsString);
        Assert.Equal(new BsonDocument("customer", 0), range["min"]);
        Assert.Equal(new BsonDocument("customer", 100), range["max"]);

        var overlap = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument
        {
            { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("customer", 50) }, { "max", new BsonDocument("customer", 150) }, { "zone", "EU" },
        }));
        Assert.Equal(178, overlap.Code);
        Assert.Equal(163, Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "removeShardFromZone", "shard1" }, { "zone", "EU" } })).Code);

        fixture.RunAdmin(new BsonDocument
        {
            { "updateZoneKeyRange", "shop.orders" }, { "min", new BsonDocument("customer", 0) }, { "max", new BsonDocument("customer", 100) }, { "zone", BsonNull.Value },
        });
        Assert.Equal(0, config.GetCollection<BsonDocument>("tags").CountDocuments(new BsonDocument()));
        fixture.RunAdmin(new BsonDocument { { "removeShardFromZone", "shard1" }, { "zone", "EU" } });
        Assert.Empty(config.GetCollection<BsonDocument>("shards").Find(new BsonDocument("_id", "shard1")).Single()["tags"].AsBsonArray);
    }
}
