using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Queries, sorts, updates, deletes, applyOps and the _id index compare strings under the effective collation, as
/// MongoDB's do (docs: "Collation": an operation uses its own collation, else the collection's default, else simple
/// binary comparison): with {locale: "en", strength: 2} "a" and "A" are one _id, {name: "bob"} finds "Bob" and a delete
/// of _id "a" deletes "A". Runs against MONGOBACKUP_TEST_URI when set, except what checks the in-memory server's refusals.
/// </summary>
public sealed class CollationQueryTests : ServerTestBase
{
    private static readonly BsonDocument CaseInsensitive = new() { { "locale", "en" }, { "strength", 2 } };

    private IMongoCollection<BsonDocument> CollatedCollection(out IMongoDatabase db)
    {
        db = Database("collq");
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "c" }, { "collation", CaseInsensitive } });
        return db.GetCollection<BsonDocument>("c");
    }

    [Fact]
    public void The_id_index_of_a_collection_with_a_default_collation_holds_a_and_A_as_one_key()
    {
        var c = CollatedCollection(out var db);
        c.InsertOne(new BsonDocument("_id", "a"));

        var error = Assert.Throws<MongoWriteException>(() => c.InsertOne(new BsonDocument("_id", "A")));

        Assert.Equal(ServerErrorCategory.DuplicateKey, error.WriteError.Category);
        // index/duplicate_key_error_info.cpp: a collated index names its collation and shows its key (a collation key) in hex.
        Assert.StartsWith($"E11000 duplicate key error collection: {db.DatabaseNamespace.DatabaseName}.c index: _id_ collation: {{ locale: \"en\"", error.WriteError.Message);
        Assert.Contains(" dup key: { _id: \"0x", error.WriteError.Message);
        Assert.Equal([new BsonDocument("_id", "a")], c.Find(FilterDefinition<BsonDocument>.Empty).ToList());
    }

    [Fact]
    public void A_find_uses_the_collections_default_collation_unless_it_names_its_own()
    {
        var c = CollatedCollection(out _);
        c.InsertMany([new BsonDocument { { "_id", 1 }, { "name", "Bob" } }, new BsonDocument { { "_id", 2 }, { "name", "alice" } }]);

        Assert.Equal([1], Ids(c.Find(new BsonDocument("name", "bob"))));
        Assert.Equal([1], Ids(c.Find(new BsonDocument("name", new BsonDocument("$in", new BsonArray { "BOB", "carol" })))));
        Assert.Empty(Ids(c.Find(new BsonDocument("name", "bob"), new FindOptions { Collation = Collation.Simple })));
        Assert.Equal(1, c.CountDocuments(new BsonDocument("name", "BOB")));
        // A regex is not collation-aware (docs: "$regex ... case-insensitive regular expression queries").
        Assert.Empty(Ids(c.Find(new BsonDocument("name", new BsonRegularExpression("^bob")))));
    }

    [Fact]
    public void A_find_with_a_collation_on_a_collection_without_one_compares_under_it()
    {
        var db = Database("collq");
        var c = db.GetCollection<BsonDocument>("plain");
        c.InsertMany([new BsonDocument { { "_id", 1 }, { "name", "Bob" } }, new BsonDocument { { "_id", 2 }, { "name", "bob" } }, new BsonDocument { { "_id", 3 }, { "name", "Bób" } }]);

        Assert.Equal([2], Ids(c.Find(new BsonDocument("name", "bob"))));
        Assert.Equal([1, 2], Ids(c.Find(new BsonDocument("name", "bob"), new FindOptions { Collation = new Collation("en", strength: CollationStrength.Secondary) })));
        Assert.Equal([1, 2, 3], Ids(c.Find(new BsonDocument("name", "bob"), new FindOptions { Collation = new Collation("en", strength: CollationStrength.Primary) })));
    }

    [Fact]
    public void A_sort_orders_strings_by_the_collation()
    {
        var db = Database("collq");
        var c = db.GetCollection<BsonDocument>("sorted");
        var names = new[] { "b", "B", "a", "A", "10", "9" };
        c.InsertMany(names.Select((n, i) => new BsonDocument { { "_id", i }, { "name", n } }));

        string[] Sorted(Collation? collation) => c.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { Collation = collation })
            .Sort(new BsonDocument("name", 1)).ToList().Select(d => d["name"].AsString).ToArray();

        Assert.Equal(["10", "9", "A", "B", "a", "b"], Sorted(null)); // bytes
        Assert.Equal(["10", "9", "a", "A", "b", "B"], Sorted(new Collation("en"))); // ICU tertiary: lower case first
        Assert.Equal(["9", "10", "a", "A", "b", "B"], Sorted(new Collation("en", numericOrdering: true)));
    }

    [Fact]
    public void Updates_and_deletes_by_id_reach_the_document_the_collation_deems_equal()
    {
        var c = CollatedCollection(out _);
        c.InsertMany([new BsonDocument { { "_id", "A" }, { "n", 1 } }, new BsonDocument { { "_id", "b" }, { "n", 1 } }]);

        var updated = c.UpdateOne(new BsonDocument("_id", "a"), new BsonDocument("$set", new BsonDocument("n", 2)));
        var deleted = c.DeleteOne(new BsonDocument("_id", "B"));

        Assert.Equal(1, updated.ModifiedCount);
        Assert.Equal(1, deleted.DeletedCount);
        Assert.Equal([new BsonDocument { { "_id", "A" }, { "n", 2 } }], c.Find(FilterDefinition<BsonDocument>.Empty).ToList());
    }

    [Fact]
    public void A_delete_with_the_simple_collation_compares_bytes_on_a_collated_collection()
    {
        var c = CollatedCollection(out _);
        c.InsertOne(new BsonDocument { { "_id", 1 }, { "name", "Bob" } });

        var deleted = c.DeleteMany(new BsonDocument("name", "bob"), new DeleteOptions { Collation = Collation.Simple });

        Assert.Equal(0, deleted.DeletedCount);
        Assert.Equal(1, c.DeleteMany(new BsonDocument("name", "bob")).DeletedCount);
    }

    [Fact]
    public void ApplyOps_finds_the_document_of_an_entrys_id_through_the_collated_id_index()
    {
        var c = CollatedCollection(out var db);
        var ns = db.DatabaseNamespace.DatabaseName + ".c";
        c.InsertMany([new BsonDocument { { "_id", "A" }, { "n", 1 } }, new BsonDocument { { "_id", "B" }, { "n", 1 } }]);

        Target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "u" }, { "ns", ns }, { "o", BsonDocument.Parse("{$v: 2, diff: {u: {n: 5}}}") }, { "o2", new BsonDocument("_id", "a") } },
            new BsonDocument { { "op", "d" }, { "ns", ns }, { "o", new BsonDocument("_id", "b") } },
        }));

        Assert.Equal([new BsonDocument { { "_id", "A" }, { "n", 5 } }], c.Find(FilterDefinition<BsonDocument>.Empty).ToList());
    }

    [Fact]
    public void An_aggregation_matches_and_groups_under_the_collation()
    {
        var c = CollatedCollection(out _);
        c.InsertMany([new BsonDocument { { "_id", 1 }, { "k", "x" } }, new BsonDocument { { "_id", 2 }, { "k", "X" } }, new BsonDocument { { "_id", 3 }, { "k", "y" } }]);

        var grouped = c.Aggregate<BsonDocument>(new BsonDocument[]
        {
            new("$match", new BsonDocument("k", new BsonDocument("$in", new BsonArray { "X", "Y" }))),
            new("$group", new BsonDocument { { "_id", "$k" }, { "n", new BsonDocument("$sum", 1) } }),
            new("$sort", new BsonDocument("_id", 1)),
        }).ToList();

        Assert.Equal([1 + 1, 1], grouped.Select(g => g["n"].ToInt32()));
        Assert.Equal(3, c.CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public void A_validator_compares_under_the_collections_collation()
    {
        var db = Database("collq");
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "v" }, { "collation", CaseInsensitive }, { "validator", new BsonDocument("kind", "ok") } });
        var c = db.GetCollection<BsonDocument>("v");

        c.InsertOne(new BsonDocument { { "_id", 1 }, { "kind", "OK" } });

        Assert.Equal(121, Assert.Throws<MongoWriteException>(() => c.InsertOne(new BsonDocument { { "_id", 2 }, { "kind", "no" } })).WriteError.Code);
    }

    [Fact]
    public void A_json_schema_compares_bytes_whatever_the_collation()
    {
        var c = CollatedCollection(out _);
        c.InsertMany([new BsonDocument { { "_id", 1 }, { "a", "str" } }, new BsonDocument { { "_id", 2 }, { "a", new BsonArray { "STR", "sTr" } } }]);
        var schema = BsonDocument.Parse("{$jsonSchema: {properties: {a: {enum: ['STR']}}}}");

        Assert.Equal(0, c.CountDocuments(schema));
        Assert.Equal(2, c.CountDocuments(BsonDocument.Parse("{$jsonSchema: {properties: {a: {uniqueItems: true}}}}")));
        Assert.Equal(2, c.CountDocuments(new BsonDocument("a", "STR")));
    }

    [InMemoryTheory("MongoDB honours these collations; the in-memory server refuses what its comparer cannot do")]
    [InlineData("{ locale: 'en', caseLevel: true }", "caseLevel: true")]
    [InlineData("{ locale: 'en', strength: 5 }", "strength 5")]
    [InlineData("{ locale: 'en', alternate: 'shifted' }", "alternate: \"shifted\"")]
    public void A_query_collation_the_in_memory_server_cannot_honour_is_refused_naming_the_option(string collation, string named)
    {
        var c = CollatedCollection(out _);
        c.InsertOne(new BsonDocument("_id", "a"));

        var error = Assert.Throws<MongoCommandException>(() => c.Find(new BsonDocument("_id", "A"), new FindOptions { Collation = Collation.FromBsonDocument(BsonDocument.Parse(collation)) }).ToList());

        Assert.Equal(59, error.Code);
        Assert.Contains("does not implement collation " + named, error.ErrorMessage);
    }

    [InMemoryFact("MongoDB applies these operators under the collation; the in-memory server refuses them")]
    public void An_update_operator_that_would_compare_under_a_collation_is_refused()
    {
        var c = CollatedCollection(out _);
        c.InsertOne(new BsonDocument { { "_id", 1 }, { "tags", new BsonArray { "a" } } });

        var error = Assert.Throws<MongoWriteException>(() => c.UpdateOne(new BsonDocument("_id", 1), new BsonDocument("$addToSet", new BsonDocument("tags", "A"))));

        Assert.Equal(59, error.WriteError.Code);
        Assert.Contains("$addToSet under a non-simple collation", error.WriteError.Message);
        Assert.Equal(new BsonArray { "a" }, c.Find(FilterDefinition<BsonDocument>.Empty).Single()["tags"]);
    }

    private static List<int> Ids(IFindFluent<BsonDocument, BsonDocument> find) => find.Sort(new BsonDocument("_id", 1)).ToList().Select(d => d["_id"].AsInt32).ToList();
}
