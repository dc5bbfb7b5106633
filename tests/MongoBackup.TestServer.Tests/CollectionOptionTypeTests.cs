using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The numeric types of a collection's options as mongod 7.0 keeps them whatever type the command gave: create parses
/// them into CollectionOptions and lists and logs CollectionOptions::appendBSON's form
/// (src/mongo/db/catalog/collection_options.cpp; the create entry is MutableOplogEntry::makeCreateCollCmdObj over it):
/// capped, size and max first, size and max through BSONObjBuilder::appendNumber(long long) (an int when it fits 32
/// bits, else a long), a clustered collection's expireAfterSeconds a long. An index's expireAfterSeconds changed by collMod
/// is logged and kept as a long (mongo-tools' capture of mongod's entry, mongorestore/testdata/oplogs/bson/collMod.bson).
/// A restore replays these entries as logged, so their types are what it restores. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class CollectionOptionTypeTests : ServerTestBase
{
    private static BsonDocument Options(IMongoDatabase db, string name) =>
        db.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", name) }).ToList().Single()["options"].AsBsonDocument;

    private static IEnumerable<(string, BsonType)> Typed(BsonDocument document) => document.Select(e => (e.Name, e.Value.BsonType));

    [Fact]
    public void A_capped_collections_size_and_max_are_listed_and_logged_as_ints_whatever_type_create_gave()
    {
        var db = Database("types");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'audit', max: 10.0, size: NumberLong(4000), capped: 1}"));

        var listed = Options(db, "audit");
        Assert.Equal([("capped", BsonType.Boolean), ("size", BsonType.Int32), ("max", BsonType.Int32)], Typed(listed));
        Assert.Equal((true, 4096, 10), (listed["capped"].AsBoolean, listed["size"].AsInt32, listed["max"].AsInt32));
        var created = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o.create", "audit")).Single()["o"].AsBsonDocument;
        Assert.Equal([("create", BsonType.String), ("capped", BsonType.Boolean), ("size", BsonType.Int32), ("max", BsonType.Int32), ("idIndex", BsonType.Document)],
            Typed(created));
        Assert.Equal(listed, new BsonDocument(created.Where(e => e.Name is not ("create" or "idIndex"))));
    }

    /// <summary>A size past 2^31-1 is a long; a max of 0 or less is read as 2^31-1 (adjustCappedMaxDocs) and listed so.</summary>
    [Fact]
    public void A_size_past_int_range_is_a_long_and_a_max_of_zero_is_listed_as_int_max()
    {
        var db = Database("types");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'big', capped: true, size: 3221225472.0, max: 0}"));

        var listed = Options(db, "big");
        Assert.Equal([("capped", BsonType.Boolean), ("size", BsonType.Int64), ("max", BsonType.Int32)], Typed(listed));
        Assert.Equal((3221225472L, int.MaxValue), (listed["size"].AsInt64, listed["max"].AsInt32));
        var created = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o.create", "big")).Single()["o"].AsBsonDocument;
        Assert.Equal(BsonType.Int64, created["size"].BsonType);
        Assert.Equal(BsonType.Int32, created["max"].BsonType);
    }

    /// <summary>A clustered collection's TTL (create.idl: safeInt64) is kept, listed and logged as a long.</summary>
    [Fact]
    public void A_clustered_collections_expireAfterSeconds_is_a_long()
    {
        var db = Database("types");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'sessions', clusteredIndex: {key: {_id: 1}, unique: true}, expireAfterSeconds: 3600}"));

        var listed = Options(db, "sessions");
        Assert.Equal(BsonType.Int64, listed["expireAfterSeconds"].BsonType);
        Assert.Equal(3600L, listed["expireAfterSeconds"].AsInt64);
        var created = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o.create", "sessions")).Single()["o"].AsBsonDocument;
        Assert.Equal(BsonType.Int64, created["expireAfterSeconds"].BsonType);
    }

    /// <summary>create_collection.cpp (CmdCreate::typedRun): size or max without capped is refused, nothing created.</summary>
    [Theory]
    [InlineData("{create: 'loose', size: 4096}")]
    [InlineData("{create: 'loose', max: 10}")]
    [InlineData("{create: 'loose', capped: false, size: 4096}")]
    public void Size_or_max_without_capped_is_refused(string command)
    {
        var db = Database("types");
        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(BsonDocument.Parse(command)));
        Assert.Equal((72, "the 'capped' field needs to be true when either the 'size' or 'max' fields are present"), (error.Code, error.ErrorMessage));
        Assert.DoesNotContain("loose", db.ListCollectionNames().ToList());
    }

    /// <summary>
    /// A create entry as logged, replayed by applyOps as a restore replays it, makes a collection whose listed options are
    /// the source's, types included; and the same with the types of an older server's entry (size a double, as
    /// appendNumber wrote 2^30..2^40 before 4.4) reads back in today's form.
    /// </summary>
    [Fact]
    public void A_logged_create_replayed_by_applyOps_lists_the_same_typed_options()
    {
        var db = Database("types");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'audit', capped: true, size: NumberLong(8192), max: NumberLong(5)}"));
        var logged = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o.create", "audit")).Single();
        var copy = Database("types");
        Target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "c" }, { "ns", copy.DatabaseNamespace.DatabaseName + ".$cmd" }, { "o", logged["o"] } },
            new BsonDocument
            {
                { "op", "c" }, { "ns", copy.DatabaseNamespace.DatabaseName + ".$cmd" },
                { "o", BsonDocument.Parse("{create: 'old', capped: true, size: 1073741824.0, max: 5.0}") },
            },
        }));

        Assert.Equal(Options(db, "audit").ToBson(), Options(copy, "audit").ToBson());
        var old = Options(copy, "old");
        Assert.Equal([("capped", BsonType.Boolean), ("size", BsonType.Int32), ("max", BsonType.Int32)], Typed(old));
        Assert.Equal((1073741824, 5), (old["size"].AsInt32, old["max"].AsInt32));
    }
}
