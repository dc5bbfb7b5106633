using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// How index builds are logged, against the captures: createIndexes entries on an empty collection, startIndexBuild and
/// commitIndexBuild (or abortIndexBuild with its cause) on one that holds documents. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class IndexBuildTests
{
    /// <summary>
    /// A captured command entry in the envelope 7.0/8.0 write: op, ns, ui, o, then ts, t, v, wall as longs (the 8.0 capture
    /// oplogs/bson/bypassDocumentValidation.bson; commit_index.bson and create_index.bson are older, with t and v as ints
    /// and wall before v), with o as captured and its namespace moved to <paramref name="database"/>.
    /// </summary>
    private static BsonDocument InToday(BsonDocument captured, string database)
    {
        var o = new BsonDocument(captured["o"].AsBsonDocument);
        return new BsonDocument
        {
            { "op", "c" }, { "ns", database + ".$cmd" }, { "ui", captured["ui"] }, { "o", o },
            { "ts", captured["ts"] }, { "t", 1L }, { "v", 2L }, { "wall", captured["wall"] },
        };
    }

    private static readonly string[] Varying = ["ui", "ts", "wall", "o.indexBuildUUID"];

    [Fact]
    public void An_index_on_an_empty_collection_is_one_createIndexes_entry_as_captured()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("idx");
        target.Client.GetDatabase(database).CreateCollection("foo");
        target.Client.GetDatabase(database).GetCollection<BsonDocument>("foo").Indexes.CreateOne(
            new CreateIndexModel<BsonDocument>(new BsonDocument("f", 1.0)));

        var written = Assert.Single(target.OplogSince(new BsonDocument { { "ns", database + ".$cmd" }, { "o.createIndexes", "foo" } }));
        EntryForm.AssertSame(InToday(Captures.Oplog("create_index").Single(), database), written, Varying);
    }

    [Fact]
    public void An_index_on_a_collection_with_documents_is_built_in_two_phases_as_captured()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("idx");
        var foo = target.Client.GetDatabase(database).GetCollection<BsonDocument>("foo");
        foo.InsertOne(new BsonDocument("a", 1));
        foo.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("a", 1.0)));

        var written = target.OplogSince(new BsonDocument { { "ns", database + ".$cmd" }, { "o.create", BsonNull.Value } });
        var captured = Captures.Oplog("commit_index");
        Assert.Equal(2, written.Count);
        EntryForm.AssertSame(InToday(captured[0], database), written[0], Varying);
        EntryForm.AssertSame(InToday(captured[1], database), written[1], Varying);
        Assert.Equal(written[0]["o"]["indexBuildUUID"], written[1]["o"]["indexBuildUUID"]);
        Assert.Equal(written[0]["ui"], written[1]["ui"]);
    }

    [Fact]
    public void A_unique_index_over_duplicates_fails_with_DuplicateKey_and_logs_the_abort_with_its_cause()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("idx");
        var coll = target.Client.GetDatabase(database).GetCollection<BsonDocument>("coll");
        coll.InsertMany([BsonDocument.Parse("{_id: 0, a: 0, b: 0}"), BsonDocument.Parse("{_id: 1, a: 1, b: 0}")]);
        // As jstests/change_streams/abort_index_build.js: the index on b meets duplicates, the one on a does not.
        var indexes = new BsonArray { BsonDocument.Parse("{v: 2, key: {a: 1}, name: 'a_1', unique: true}"), BsonDocument.Parse("{v: 2, key: {b: 1}, name: 'b_1', unique: true}") };

        var error = Assert.Throws<MongoCommandException>(() =>
            coll.Database.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "coll" }, { "indexes", indexes } }));

        Assert.Equal(11000, error.Code);
        Assert.Contains("E11000 duplicate key error collection: " + database + ".coll index: b_1 dup key: { b: 0 }", error.ErrorMessage);
        var written = target.OplogSince(new BsonDocument { { "ns", database + ".$cmd" }, { "o.create", BsonNull.Value } });
        Assert.Equal(["startIndexBuild", "abortIndexBuild"], written.Select(e => e["o"].AsBsonDocument.GetElement(0).Name));
        Assert.Equal(indexes, written[1]["o"]["indexes"]);
        // oplog_ignore_index/oplog.bson holds an abort whose cause is {ok: false, code, codeName, errmsg}; a duplicate key
        // error adds its keyPattern and keyValue (DuplicateKeyErrorInfo).
        var capturedCause = Captures.File("mongorestore/testdata/oplog_ignore_index/oplog.bson")[1]["o"]["cause"].AsBsonDocument;
        var cause = written[1]["o"]["cause"].AsBsonDocument;
        Assert.Equal(capturedCause.Names, cause.Names.Take(capturedCause.ElementCount));
        Assert.Equal(capturedCause.Select(e => e.Value.BsonType), cause.Take(capturedCause.ElementCount).Select(e => e.Value.BsonType));
        Assert.Equal(BsonDocument.Parse("{ok: false, code: 11000, codeName: 'DuplicateKey'}"), new BsonDocument(cause.Take(3)));
        Assert.Equal(new BsonDocument("b", 1), cause["keyPattern"]);
        Assert.Equal(new BsonDocument("b", 0), cause["keyValue"]);
        Assert.Equal(["_id_"], coll.Indexes.List().ToList().Select(i => i["name"].AsString));
    }
}
