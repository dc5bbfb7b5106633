using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A unique index compares keys under its collation, as MongoDB's do (docs: "Collation" / unique indexes): at strength 2
/// "a" and "A" are one key. An index given {locale: "simple"} on a collection with a default collation compares bytes.
/// Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class CollationIndexTests : ServerTestBase
{
    [Theory]
    [InlineData(2, "a", "A", true)]
    [InlineData(1, "resume", "Résumé", true)]
    [InlineData(2, "resume", "résumé", false)]
    [InlineData(3, "a", "A", false)]
    public async Task A_unique_index_with_a_collation_refuses_keys_equal_under_it(int strength, string first, string second, bool collide)
    {
        var db = Database("coll");
        var c = db.GetCollection<BsonDocument>("c");
        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "createIndexes", "c" }, { "indexes", new BsonArray {
            new BsonDocument { { "key", new BsonDocument("k", 1) }, { "name", "k_1" }, { "unique", true },
                { "collation", new BsonDocument { { "locale", "en" }, { "strength", strength } } } } } } });
        await c.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "k", first } });

        var insert = () => c.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "k", second } });
        if (collide) Assert.Equal(ServerErrorCategory.DuplicateKey, (await Assert.ThrowsAsync<MongoWriteException>(insert)).WriteError.Category);
        else await insert();
    }

    [Fact]
    public async Task An_index_inherits_the_collections_collation_unless_it_asks_for_simple()
    {
        var db = Database("coll");
        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "c" }, { "collation", new BsonDocument { { "locale", "en" }, { "strength", 2 } } } });
        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "createIndexes", "c" }, { "indexes", new BsonArray {
            new BsonDocument { { "key", new BsonDocument("inherited", 1) }, { "name", "inherited_1" }, { "unique", true }, { "sparse", true } },
            new BsonDocument { { "key", new BsonDocument("simple", 1) }, { "name", "simple_1" }, { "unique", true }, { "sparse", true },
                { "collation", new BsonDocument("locale", "simple") } } } } });
        var c = db.GetCollection<BsonDocument>("c");

        await c.InsertManyAsync([new BsonDocument { { "_id", 1 }, { "simple", "a" } }, new BsonDocument { { "_id", 2 }, { "simple", "A" } }]);
        await c.InsertOneAsync(new BsonDocument { { "_id", 3 }, { "inherited", "b" } });
        await Assert.ThrowsAsync<MongoWriteException>(() => c.InsertOneAsync(new BsonDocument { { "_id", 4 }, { "inherited", "B" } }));
        var specs = await (await c.Indexes.ListAsync()).ToListAsync();
        Assert.False(specs.Single(s => s["name"] == "simple_1").Contains("collation"));
        Assert.Equal("en", specs.Single(s => s["name"] == "inherited_1")["collation"]["locale"]);
    }

    [Theory]
    [InlineData("{ locale: 'no-such-locale-xx' }", 2)]
    [InlineData("{ strength: 2 }", 40414)]
    public Task A_collation_mongodb_does_not_know_is_refused_when_the_index_is_created(string collation, int code) =>
        AssertRefused(Database("coll"), collation, code);

    [InMemoryTheory("MongoDB honours these collations; the in-memory server refuses what its comparer cannot do")]
    [InlineData("{ locale: 'en', strength: 4 }", 59)]
    [InlineData("{ locale: 'de@collation=phonebook' }", 59)]
    public Task A_collation_the_in_memory_server_cannot_honour_is_refused_when_the_index_is_created(string collation, int code) =>
        AssertRefused(Database("coll"), collation, code);

    private static async Task AssertRefused(IMongoDatabase db, string collation, int code)
    {
        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "c" },
            { "indexes", new BsonArray { new BsonDocument { { "key", new BsonDocument("k", 1) }, { "name", "k_1" }, { "collation", BsonDocument.Parse(collation) } } } },
        }));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public async Task The_collation_fields_mongodb_lists_at_their_defaults_are_accepted()
    {
        var db = Database("coll");
        var full = BsonDocument.Parse("{ locale: 'en', caseLevel: false, caseFirst: 'off', strength: 2, numericOrdering: false, "
                                      + "alternate: 'non-ignorable', maxVariable: 'punct', normalization: false, backwards: false, version: '57.1' }");
        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "createIndexes", "c" }, { "indexes", new BsonArray {
            new BsonDocument { { "key", new BsonDocument("k", 1) }, { "name", "k_1" }, { "unique", true }, { "collation", full } } } } });
        var c = db.GetCollection<BsonDocument>("c");
        await c.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "k", "x" } });
        await Assert.ThrowsAsync<MongoWriteException>(() => c.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "k", "X" } }));
    }
}
