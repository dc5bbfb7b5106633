using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// shardCollection and collations through mongos: a shard key is always compared with the simple collation
/// (SERVER-24751), so the collation option must be {locale: "simple"} (BadValue otherwise, as DOCS-12589 quotes it),
/// and a collection with a non-simple default collation is sharded only when the simple one is named.
/// </summary>
public sealed class ShardCollectionCollationTests
{
    private const string Reason = "the sharded mode is the in-memory server's";

    [InMemoryFact(Reason)]
    public void A_collection_with_a_default_collation_is_sharded_only_with_the_simple_collation_named()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument("enableSharding", "shop"));
        fixture.Mongos.GetDatabase("shop").CreateCollection("names", new CreateCollectionOptions { Collation = new Collation("fr") });

        var missing = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) } }));
        Assert.Equal(2, missing.Code);
        Assert.Contains("Must specify collation {locale: 'simple'}", missing.ErrorMessage);
        var french = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument
        {
            { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "fr") },
        }));
        Assert.Equal(2, french.Code);
        Assert.Contains("must be {locale: 'simple'}", french.ErrorMessage);
        Assert.Equal(0, fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "shop.names")));

        fixture.RunAdmin(new BsonDocument
        {
            { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "simple") },
        });
        var index = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("names").Indexes.List().ToList().Single(i => i["name"] == "name_1");
        Assert.False(index.Contains("collation")); // simple, listed as none on a collection with a default collation
        Assert.Equal(1, fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "shop.names")));
    }

    [InMemoryFact(Reason)]
    public void A_collection_without_a_default_collation_takes_the_simple_option_and_refuses_another()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.plain" }, { "key", new BsonDocument("_id", 1) }, { "collation", new BsonDocument("locale", "simple") } });
        var refused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument
        {
            { "shardCollection", "shop.other" }, { "key", new BsonDocument("_id", 1) }, { "collation", new BsonDocument("locale", "de") },
        }));
        Assert.Equal(2, refused.Code);
    }
}
