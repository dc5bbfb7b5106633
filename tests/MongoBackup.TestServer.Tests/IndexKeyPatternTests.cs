using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Key patterns mongod 7.0 refuses in createIndexes (src/mongo/db/catalog/index_key_validate.cpp, validateKeyPattern and
/// validateIndexSpec; create_indexes.cpp gives the reason the spec as context: "Error in specification {spec} ::
/// caused by :: reason"), among them the legacy values servers before 3.4 built as ascending indexes, which old dumps'
/// metadata still carries; and a TTL index on a capped collection (index_catalog_impl.cpp). Nothing is built, the
/// collection keeps its indexes. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class IndexKeyPatternTests : ServerTestBase
{
    [Theory]
    [InlineData("{d: ''}", "Values in the index key pattern cannot be empty strings")]
    [InlineData("{d: 'hashed '}", "Unknown index plugin 'hashed '")]
    [InlineData("{d: '1'}", "Unknown index plugin '1'")]
    [InlineData("{d: true}", "Values in v:2 index key pattern cannot be of type bool. Only numbers > 0, numbers < 0, and strings are allowed.")]
    [InlineData("{d: null}", "Values in v:2 index key pattern cannot be of type null. Only numbers > 0, numbers < 0, and strings are allowed.")]
    [InlineData("{d: {}}", "Values in v:2 index key pattern cannot be of type object. Only numbers > 0, numbers < 0, and strings are allowed.")]
    [InlineData("{d: 0}", "Values in the index key pattern cannot be 0.")]
    [InlineData("{d: NaN}", "Values in the index key pattern cannot be NaN.")]
    [InlineData("{a: 'hashed', b: '2dsphere'}", "Can't use more than one index plugin for a single index.")]
    [InlineData("{d: 'geoHaystack'}", "GeoHaystack indexes cannot be created in version 5.0 and above")]
    [InlineData("{'$d': 1}", "Index key contains an illegal field name: field name starts with '$'.")]
    [InlineData("{'a..b': 1}", "Index keys cannot contain an empty field.")]
    public void A_key_pattern_mongod_refuses_fails_with_CannotCreateIndex_and_builds_nothing(string key, string reason)
    {
        var db = Database("keys");
        var items = db.GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "d", "x" } });
        var spec = new BsonDocument { { "key", BsonDocument.Parse(key) }, { "name", "legacy" } };

        var error = Assert.Throws<MongoCommandException>(() =>
            db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "items" }, { "indexes", new BsonArray { spec } } }));

        Assert.Equal((67, "CannotCreateIndex"), (error.Code, error.CodeName));
        Assert.StartsWith("Error in specification {", error.ErrorMessage);
        Assert.EndsWith(" :: caused by :: " + reason, error.ErrorMessage);
        Assert.Equal(["_id_"], items.Indexes.List().ToList().Select(i => i["name"].AsString));
    }

    [Theory]
    [InlineData("{d: 1}")]
    [InlineData("{d: -1.5}")]
    [InlineData("{d: NumberLong(1)}")]
    [InlineData("{d: 'hashed'}")]
    [InlineData("{d: '2dsphere'}")]
    [InlineData("{'d.$id': 1}")]
    public void Key_patterns_of_today_are_built(string key)
    {
        var db = Database("keys");
        db.RunCommand<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "items" }, { "indexes", new BsonArray { new BsonDocument { { "key", BsonDocument.Parse(key) }, { "name", "ok" } } } },
        });
        Assert.Equal(BsonDocument.Parse(key), db.GetCollection<BsonDocument>("items").Indexes.List().ToList().Single(i => i["name"] == "ok")["key"]);
    }

    [Fact]
    public void A_ttl_index_on_a_capped_collection_is_refused()
    {
        var db = Database("keys");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'log', capped: true, size: 4096}"));
        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(
            BsonDocument.Parse("{createIndexes: 'log', indexes: [{key: {at: 1}, name: 'at_1', expireAfterSeconds: 60}]}")));
        Assert.Equal((67, "Cannot create TTL index on a capped collection"), (error.Code, error.ErrorMessage));
    }
}
