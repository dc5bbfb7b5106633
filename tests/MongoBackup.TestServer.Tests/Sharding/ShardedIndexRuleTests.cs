using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// The rules mongos applies to a sharded collection's key and indexes. Collations: a shard key is always compared with
/// the simple collation (SERVER-24751), so shardCollection's collation option must be {locale: "simple"} (BadValue
/// otherwise, as DOCS-12589 quotes it), and a collection with a non-simple default collation is sharded only when the
/// simple one is named. Unique indexes: only the _id index and those starting with the shard key's fields
/// (ShardKeyPattern::isIndexUniquenessCompatible), any other refused with CannotCreateIndex (67).
/// </summary>
public sealed class ShardedIndexRuleTests
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
    public void An_index_on_the_key_with_a_collation_or_sparse_does_not_serve_the_shard_key_of_a_collection_holding_documents()
    {
        // s/shard_key_index_util.cpp isCompatibleWithShardKey: a shard key index is neither partial nor sparse and has
        // the simple collation; with none, a collection holding documents is refused (shard_key_util.cpp).
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument("enableSharding", "shop"));
        var shop = fixture.Mongos.GetDatabase("shop");
        shop.CreateCollection("names", new CreateCollectionOptions { Collation = new Collation("fr") });
        var names = shop.GetCollection<BsonDocument>("names");
        names.InsertOne(new BsonDocument { { "_id", 1 }, { "name", "Zoé" } });
        names.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1))); // French, inherited
        var sparse = shop.GetCollection<BsonDocument>("sparse");
        sparse.InsertOne(new BsonDocument { { "_id", 1 }, { "k", 1 } });
        sparse.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("k", 1), new CreateIndexOptions { Sparse = true }));

        var french = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument
        {
            { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "simple") },
        }));
        Assert.Equal(72, french.Code);
        Assert.Contains("Index name_1 cannot be used for sharding because: Index has a non-simple collation.", french.ErrorMessage);
        var sparseRefused = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "shardCollection", "shop.sparse" }, { "key", new BsonDocument("k", 1) } }));
        Assert.Contains("Index k_1 cannot be used for sharding because: Index key is sparse.", sparseRefused.ErrorMessage);

        names.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1), new CreateIndexOptions { Name = "name_simple", Collation = new Collation("simple") }));
        fixture.RunAdmin(new BsonDocument
        {
            { "shardCollection", "shop.names" }, { "key", new BsonDocument("name", 1) }, { "collation", new BsonDocument("locale", "simple") },
        });
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
    [InMemoryFact(Reason)]
    public void A_unique_index_must_start_with_the_shard_key_or_be_the_id_index()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "app.items" }, { "key", new BsonDocument("region", 1) } });
        var items = fixture.Mongos.GetDatabase("app").GetCollection<BsonDocument>("items");

        var refused = Assert.Throws<MongoCommandException>(() => items.Indexes.CreateOne(
            new CreateIndexModel<BsonDocument>(new BsonDocument("code", 1), new CreateIndexOptions { Unique = true })));
        Assert.Equal(67, refused.Code);
        Assert.Contains("shard key pattern", refused.ErrorMessage);
        items.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument { { "region", 1 }, { "code", 1 } }, new CreateIndexOptions { Unique = true }));
        items.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("code", 1))); // not unique: any key
        Assert.Equal(["_id_", "code_1", "region_1", "region_1_code_1"], items.Indexes.List().ToList().Select(i => i["name"].AsString).Order());
    }
}
