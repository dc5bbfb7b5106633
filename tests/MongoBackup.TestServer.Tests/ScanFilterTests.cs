using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A scan filtered on top-level fields (decided from those fields alone when they hold scalars) selects exactly what
/// the same filter selects over whole documents, whether the field holds a scalar, a sub-document, an array or nothing.
/// Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class ScanFilterTests : ServerTestBase
{
    [Fact]
    public void Top_level_field_filters_select_the_same_documents_as_over_whole_documents()
    {
        var collection = Database("scan").GetCollection<BsonDocument>("mixed");
        var documents = new List<BsonDocument>
        {
            new() { { "_id", 1 }, { "v", 5 }, { "k", "a" } },
            new() { { "_id", 2 }, { "v", new BsonDocument("x", 1) }, { "k", "b" } },
            new() { { "_id", 3 }, { "v", new BsonArray { 1, 7 } }, { "k", "a" } },
            new() { { "_id", 4 }, { "k", "a" } },
            new() { { "_id", 5 }, { "v", BsonNull.Value }, { "k", "c" } },
            new() { { "_id", 6 }, { "v", 9.5 }, { "k", "a" } },
        };
        collection.InsertMany(documents);

        List<int> Ids(string filter) => collection.Find(BsonDocument.Parse(filter)).ToList().Select(d => d["_id"].AsInt32).ToList();

        Assert.Equal(new[] { 1, 3, 6 }, Ids("{v: {$gt: 4}}"));
        Assert.Equal(new[] { 1, 6 }, Ids("{v: {$gt: 4}, k: 'a', _id: {$ne: 3}}"));
        Assert.Equal(new[] { 2 }, Ids("{v: {x: 1}}"));
        Assert.Equal(new[] { 3 }, Ids("{v: 7}"));
        Assert.Equal(new[] { 4, 5 }, Ids("{v: null}"));
        Assert.Equal(new[] { 4 }, Ids("{v: {$exists: false}}"));
        Assert.Equal(new[] { 3 }, Ids("{v: {$size: 2}}"));
        Assert.Equal(new[] { 2 }, Ids("{'v.x': 1}"));
        Assert.Equal(new[] { 1, 5 }, Ids("{$or: [{v: 5}, {k: 'c'}]}"));
    }

    [Fact]
    public void An_oplog_range_read_returns_exactly_the_entries_in_the_range()
    {
        var collection = Database("scan").GetCollection<BsonDocument>("logged");
        var ns = collection.CollectionNamespace.FullName;
        foreach (var i in Enumerable.Range(0, 50)) collection.InsertOne(new BsonDocument { { "_id", i }, { "pad", new string('p', 300) } }); // one entry each
        var all = Target.OplogSince(new BsonDocument("ns", ns));
        var from = all[10]["ts"].AsBsonTimestamp;
        var upTo = all[39]["ts"].AsBsonTimestamp;

        // Only this test's entries: other writers may share a real server.
        var range = Target.OplogSince(new BsonDocument { { "ts", new BsonDocument { { "$gt", from }, { "$lte", upTo } } }, { "ns", ns } });

        Assert.Equal(all.Skip(11).Take(29).Select(e => e["o"]["_id"].AsInt32), range.Select(e => e["o"]["_id"].AsInt32));
        Assert.Equal(all.Skip(11).Take(29), range);
    }

    /// <summary>
    /// MongoDB checks UTF-8 only in its full validation mode (src/mongo/bson/bson_validate.h: the default mode inserts use is
    /// structural), so it stores strings that are not UTF-8 and a query over them, or over the oplog entries that hold
    /// them, still answers. A restore of a damaged dump can write such documents.
    /// </summary>
    [Fact]
    public void Documents_holding_strings_that_are_not_utf8_are_stored_and_scans_over_them_still_answer()
    {
        var db = Database("scan");
        var collection = db.GetCollection<RawBsonDocument>("bytes");
        var bytes = new BsonDocument { { "_id", 1 }, { "s", "ab\u00e9cd" }, { "n", 1 } }.ToBson();
        var at = bytes.AsSpan().IndexOf("ab"u8) + 2;
        bytes[at] = 0xEE; // 0xC3 0xA9 (é) becomes 0xEE 0xA9: not UTF-8
        collection.InsertOne(new RawBsonDocument(bytes));
        collection.InsertOne(new RawBsonDocument(new BsonDocument { { "_id", 2 }, { "s", "plain" }, { "n", 2 } }.ToBson()));

        var documents = db.GetCollection<BsonDocument>("bytes");
        List<int> Ids(BsonDocument filter) => documents.Find(filter).Project(new BsonDocument("_id", 1)).ToList().Select(d => d["_id"].AsInt32).ToList();
        Assert.Equal([2], Ids(new BsonDocument("n", new BsonDocument("$gte", 2))));
        Assert.Equal([2], Ids(new BsonDocument("s", "plain")));
        Assert.Equal([1], Ids(new BsonDocument("s", new BsonDocument("$ne", "plain"))));
        var entry = Target.OplogSince(new BsonDocument { { "ns", collection.CollectionNamespace.FullName }, { "op", "i" }, { "o._id", 2 } });
        Assert.Equal("plain", Assert.Single(entry)["o"]["s"].AsString);
    }
}
