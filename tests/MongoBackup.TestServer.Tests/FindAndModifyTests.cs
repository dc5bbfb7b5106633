using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// findAndModify as the drivers send it (FindOneAndUpdate/Replace/Delete), and the oplog entries mongod 7.0 writes for it
/// (src/mongo/db/commands/find_and_modify.cpp; op_observer_impl.cpp onUpdate/onDelete; repl/oplog_entry.idl for the
/// field order; find_and_modify_images_op_observer.cpp and repl/image_collection_entry.idl for config.image_collection):
/// a retryable one's update or delete carries needsRetryImage between o2 and stmtId and keeps its image, unlogged, in
/// config.image_collection under the session; an upsert that inserts is a plain insert entry; in a transaction the
/// operations go into the commit's applyOps without needsRetryImage. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class FindAndModifyTests : ServerTestBase
{
    private IMongoCollection<BsonDocument> Items(string prefix = "fam")
    {
        var items = Database(prefix).GetCollection<BsonDocument>("items");
        items.InsertMany([BsonDocument.Parse("{_id: 1, n: 1, tag: 'a'}"), BsonDocument.Parse("{_id: 2, n: 5, tag: 'a'}"), BsonDocument.Parse("{_id: 3, n: 9, tag: 'b'}")]);
        return items;
    }

    private List<BsonDocument> Logged(IMongoCollection<BsonDocument> items, string op) =>
        OplogOf(items.Database.DatabaseNamespace.DatabaseName, new BsonDocument("op", op));

    private BsonDocument ImageOf(BsonDocument entry) =>
        Client.GetDatabase("config").GetCollection<BsonDocument>("image_collection").Find(new BsonDocument("_id", entry["lsid"])).Single();

    [Fact]
    public void A_retryable_find_one_and_update_returning_the_new_document_logs_needsRetryImage_postImage_and_keeps_the_image()
    {
        var items = Items();

        var value = items.FindOneAndUpdate(new BsonDocument("tag", "a"), BsonDocument.Parse("{$inc: {n: 10}}"),
            new FindOneAndUpdateOptions<BsonDocument> { Sort = BsonDocument.Parse("{n: -1}"), ReturnDocument = ReturnDocument.After });

        Assert.Equal(BsonDocument.Parse("{_id: 2, n: 15, tag: 'a'}"), value);
        var entry = Assert.Single(Logged(items, "u"));
        Assert.Equal(["lsid", "txnNumber", "op", "ns", "ui", "o", "o2", "needsRetryImage", "stmtId", "ts", "t", "v", "wall", "prevOpTime"], entry.Names);
        Assert.Equal("postImage", entry["needsRetryImage"].AsString);
        Assert.Equal(BsonDocument.Parse("{$v: 2, diff: {u: {n: 15}}}"), entry["o"]);
        Assert.Equal(new BsonDocument("_id", 2), entry["o2"]);
        Assert.Equal(0, entry["stmtId"].AsInt32);
        var image = ImageOf(entry);
        Assert.Equal(["_id", "txnNum", "ts", "imageKind", "image", "invalidated"], image.Names);
        Assert.Equal((entry["txnNumber"], entry["ts"], "postImage", value, false),
            (image["txnNum"], image["ts"], image["imageKind"].AsString, image["image"].AsBsonDocument, image["invalidated"].AsBoolean));
    }

    [Fact]
    public void A_retryable_find_one_and_replace_returning_the_old_document_logs_the_replacement_with_needsRetryImage_preImage()
    {
        var items = Items();

        var value = items.FindOneAndReplace(new BsonDocument("_id", 3), BsonDocument.Parse("{n: 0, note: 'replaced'}"));

        Assert.Equal(BsonDocument.Parse("{_id: 3, n: 9, tag: 'b'}"), value);
        var entry = Assert.Single(Logged(items, "u"));
        Assert.Equal(BsonDocument.Parse("{_id: 3, n: 0, note: 'replaced'}"), entry["o"]);
        Assert.Equal("preImage", entry["needsRetryImage"].AsString);
        Assert.Equal((BsonValue)value, ImageOf(entry)["image"]);
    }

    [Fact]
    public void A_retryable_find_one_and_delete_logs_the_delete_with_needsRetryImage_preImage_and_keeps_the_deleted_document()
    {
        var items = Items();

        var value = items.FindOneAndDelete(new BsonDocument("tag", "a"), new FindOneAndDeleteOptions<BsonDocument>
        {
            Sort = BsonDocument.Parse("{n: 1}"), Projection = BsonDocument.Parse("{tag: 0}"),
        });

        Assert.Equal(BsonDocument.Parse("{_id: 1, n: 1}"), value);
        Assert.Equal([2, 3], items.Find(new BsonDocument()).SortBy(d => d["_id"]).ToList().Select(d => d["_id"].AsInt32));
        var entry = Assert.Single(Logged(items, "d"));
        Assert.Equal(["lsid", "txnNumber", "op", "ns", "ui", "o", "needsRetryImage", "stmtId", "ts", "t", "v", "wall", "prevOpTime"], entry.Names);
        Assert.Equal(new BsonDocument("_id", 1), entry["o"]);
        Assert.Equal("preImage", entry["needsRetryImage"].AsString);
        var image = ImageOf(entry);
        // The image is the whole document: fields shapes only the reply.
        Assert.Equal(("preImage", BsonDocument.Parse("{_id: 1, n: 1, tag: 'a'}")), (image["imageKind"].AsString, image["image"].AsBsonDocument));
    }

    [Fact]
    public void A_retryable_upsert_that_inserts_is_a_plain_insert_entry_without_an_image()
    {
        var items = Items();

        var value = items.FindOneAndUpdate(new BsonDocument("_id", 7), BsonDocument.Parse("{$set: {n: 70}}"),
            new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After });

        Assert.Equal(BsonDocument.Parse("{_id: 7, n: 70}"), value);
        var entry = Assert.Single(Logged(items, "i"), e => e.Contains("stmtId") && e["o"]["_id"] == 7);
        Assert.False(entry.Contains("needsRetryImage"));
        Assert.Equal(value, entry["o"].AsBsonDocument);
    }

    [Fact]
    public void The_reply_carries_lastErrorObject_and_value_as_mongod_answers()
    {
        var items = Items();
        var db = items.Database;
        BsonDocument Run(string command)
        {
            var reply = db.RunCommand<BsonDocument>(BsonDocument.Parse(command));
            return new BsonDocument { { "lastErrorObject", reply["lastErrorObject"] }, { "value", reply["value"] } };
        }

        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 1, updatedExisting: true}, value: {_id: 1, n: 1}}"),
            Run("{findAndModify: 'items', query: {_id: 1}, update: {$set: {n: 2}}, fields: {tag: 0}}"));
        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 1, updatedExisting: true}, value: {n: 6}}"),
            Run("{findAndModify: 'items', query: {_id: 2}, update: [{$set: {n: 6}}], new: true, fields: {_id: 0, n: 1}}"));
        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 0, updatedExisting: false}, value: null}"),
            Run("{findAndModify: 'items', query: {_id: 99}, update: {$set: {n: 2}}}"));
        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 1, updatedExisting: false, upserted: 50}, value: null}"),
            Run("{findandmodify: 'items', query: {_id: 50}, update: {$set: {n: 2}}, upsert: true}"));
        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 1}, value: {_id: 3, n: 9, tag: 'b'}}"),
            Run("{findAndModify: 'items', query: {tag: 'B'}, remove: true, collation: {locale: 'en', strength: 2}}"));
        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 0}, value: null}"),
            Run("{findAndModify: 'items', query: {_id: 3}, remove: true}"));
        Run("{findAndModify: 'items', query: {_id: 1}, update: {$set: {a: [1, 5]}}}");
        Assert.Equal(BsonDocument.Parse("{lastErrorObject: {n: 1, updatedExisting: true}, value: {_id: 1, n: 2, tag: 'a', a: [1, 9]}}"),
            Run("{findAndModify: 'items', query: {_id: 1}, update: {$set: {'a.$[big]': 9}}, arrayFilters: [{big: {$gt: 2}}], new: true}"));
    }

    [Theory]
    [InlineData("{findAndModify: 'items', query: {_id: 1}}", "Either an update or remove=true must be specified")]
    [InlineData("{findAndModify: 'items', query: {_id: 1}, remove: true, update: {$set: {n: 0}}}", "Cannot specify both an update and remove=true")]
    [InlineData("{findAndModify: 'items', query: {_id: 1}, remove: true, upsert: true}", "Cannot specify both upsert=true and remove=true ")]
    [InlineData("{findAndModify: 'items', query: {_id: 1}, remove: true, new: true}", "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document")]
    [InlineData("{findAndModify: 'items', query: {_id: 1}, remove: true, arrayFilters: [{x: 1}]}", "Cannot specify arrayFilters and remove=true")]
    [InlineData("{findAndModify: 'items', query: {_id: 1}, update: [{$set: {n: 0}}], arrayFilters: [{x: 1}]}", "Cannot specify arrayFilters and a pipeline update")]
    public void Contradictory_requests_fail_to_parse_with_mongods_words_and_change_nothing(string command, string message)
    {
        var items = Items();

        var error = Assert.Throws<MongoCommandException>(() => items.Database.RunCommand<BsonDocument>(BsonDocument.Parse(command)));

        Assert.Equal((9, message), (error.Code, error.ErrorMessage));
        Assert.Equal(BsonDocument.Parse("{_id: 1, n: 1, tag: 'a'}"), items.Find(new BsonDocument("_id", 1)).Single());
    }

    /// <summary>
    /// A retry (the same lsid, txnNumber and stmtId) answers from the image kept for the first run, with retriedStmtId,
    /// and writes nothing again (write_ops_retryability.cpp, parseOplogEntryForFindAndModify).
    /// </summary>
    [Fact]
    public void A_retry_with_the_same_txnNumber_returns_the_stored_image_and_writes_nothing_again()
    {
        var items = Items();
        using var session = Client.StartSession();
        var command = BsonDocument.Parse("{findAndModify: 'items', query: {_id: 2}, update: {$inc: {n: 1}}, new: true, txnNumber: NumberLong(41)}");

        var first = items.Database.RunCommand<BsonDocument>(session, command);
        var retried = items.Database.RunCommand<BsonDocument>(session, command);

        Assert.Equal(BsonDocument.Parse("{_id: 2, n: 6, tag: 'a'}"), first["value"]);
        Assert.Equal(first["value"], retried["value"]);
        Assert.Equal(first["lastErrorObject"], retried["lastErrorObject"]);
        Assert.Equal(0, retried["retriedStmtId"].ToInt32());
        Assert.False(first.Contains("retriedStmtId"));
        Assert.Equal(6, items.Find(new BsonDocument("_id", 2)).Single()["n"].AsInt32);
        Assert.Single(Logged(items, "u"));

        // The same txnNumber asking for the other image is refused: only the post-image is kept.
        command["new"] = false;
        var error = Assert.Throws<MongoCommandException>(() => items.Database.RunCommand<BsonDocument>(session, command));
        Assert.Equal(40612, error.Code);
    }

    [Fact]
    public void A_retried_delete_returns_the_deleted_document_and_a_retried_upsert_its_id_without_writing_again()
    {
        var items = Items();
        using var session = Client.StartSession();
        var remove = BsonDocument.Parse("{findAndModify: 'items', query: {tag: 'a'}, sort: {n: 1}, remove: true, txnNumber: NumberLong(3)}");
        var upsert = BsonDocument.Parse("{findAndModify: 'items', query: {_id: 60}, update: {$inc: {n: 1}}, upsert: true, new: true, txnNumber: NumberLong(4)}");

        var removed = items.Database.RunCommand<BsonDocument>(session, remove);
        var removedAgain = items.Database.RunCommand<BsonDocument>(session, remove);
        // The deleting txnNumber retried as an update does not fit what was written.
        var mismatched = BsonDocument.Parse("{findAndModify: 'items', query: {_id: 2}, update: {$set: {n: 0}}, txnNumber: NumberLong(3)}");
        Assert.Equal(40606, Assert.Throws<MongoCommandException>(() => items.Database.RunCommand<BsonDocument>(session, mismatched)).Code);
        var upserted = items.Database.RunCommand<BsonDocument>(session, upsert);
        var upsertedAgain = items.Database.RunCommand<BsonDocument>(session, upsert);

        Assert.Equal(BsonDocument.Parse("{_id: 1, n: 1, tag: 'a'}"), removed["value"]);
        Assert.Equal((removed["value"], BsonDocument.Parse("{n: 1}")), (removedAgain["value"], removedAgain["lastErrorObject"].AsBsonDocument));
        Assert.Equal(BsonDocument.Parse("{_id: 60, n: 1}"), upserted["value"]);
        Assert.Equal((upserted["value"], BsonDocument.Parse("{n: 1, updatedExisting: false, upserted: 60}")),
            (upsertedAgain["value"], upsertedAgain["lastErrorObject"].AsBsonDocument));
        Assert.Equal([2, 3, 60], items.Find(new BsonDocument()).SortBy(d => d["_id"]).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal(1, items.Find(new BsonDocument("_id", 60)).Single()["n"].AsInt32);
        Assert.Single(Logged(items, "d"));

    }

    [Fact]
    public void In_a_transaction_the_operations_go_into_the_commits_applyOps_without_needsRetryImage()
    {
        var items = Items();
        using var session = Client.StartSession();
        session.StartTransaction();
        var updated = items.FindOneAndUpdate(session, new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {n: 100}}"),
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After });
        var deleted = items.FindOneAndDelete(session, new BsonDocument("_id", 3));
        session.CommitTransaction();

        Assert.Equal((100, 9), (updated["n"].AsInt32, deleted["n"].AsInt32));
        var commit = Assert.Single(OplogOf(items.Database.DatabaseNamespace.DatabaseName, new BsonDocument("o.applyOps", new BsonDocument("$exists", true))),
            e => !e.Contains("multiOpType")); // not the retryable InsertMany's grouped inserts
        var operations = commit["o"]["applyOps"].AsBsonArray.Select(o => o.AsBsonDocument).ToList();
        Assert.Equal(["u", "d"], operations.Select(o => o["op"].AsString));
        Assert.All(operations, o => Assert.False(o.Contains("needsRetryImage")));
        Assert.False(commit.Contains("needsRetryImage"));
        Assert.Empty(Client.GetDatabase("config").GetCollection<BsonDocument>("image_collection").Find(new BsonDocument("_id", commit["lsid"])).ToList());
    }

    /// <summary>What a restore replays: the entries of every findAndModify form, stripped of the source's session fields as a restore strips them, give the same documents.</summary>
    [Fact]
    public void Replaying_the_logged_entries_through_applyOps_gives_the_same_documents()
    {
        var items = Items();
        items.FindOneAndUpdate(new BsonDocument("_id", 1), BsonDocument.Parse("{$inc: {n: 1}, $bit: {m: {or: 6}}}"));
        items.FindOneAndReplace(new BsonDocument("_id", 2), BsonDocument.Parse("{whole: true}"), new FindOneAndReplaceOptions<BsonDocument> { ReturnDocument = ReturnDocument.After });
        items.FindOneAndDelete(new BsonDocument("_id", 3));
        items.FindOneAndUpdate(new BsonDocument("_id", 4), BsonDocument.Parse("{$set: {n: 4}}"), new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true });
        // The InsertMany's inserts come grouped in an applyOps (multiOpType 1), which a restore takes apart.
        var logged = OplogOf(items.Database.DatabaseNamespace.DatabaseName)
            .SelectMany(e => e.Contains("multiOpType") ? e["o"]["applyOps"].AsBsonArray.Select(o => o.AsBsonDocument) : [e]).ToList();

        var replay = Database("famreplay");
        replay.CreateCollection("items");
        var reply = ApplyLoggedTo(replay.DatabaseNamespace.DatabaseName + ".items", logged);

        Assert.Equal(1.0, reply["ok"].ToDouble());
        Assert.Equal(items.Find(new BsonDocument()).SortBy(d => d["_id"]).ToList(),
            replay.GetCollection<BsonDocument>("items").Find(new BsonDocument()).SortBy(d => d["_id"]).ToList());
    }

    /// <summary>
    /// A mongod applying an entry with needsRetryImage also writes the image to config.image_collection
    /// (repl/oplog.cpp, applyOperation_inlock); this server does not, so it refuses the entry rather than apply it half.
    /// </summary>
    [InMemoryFact("a real mongod applies needsRetryImage and writes config.image_collection")]
    public void ApplyOps_of_an_entry_with_needsRetryImage_is_refused_and_changes_nothing()
    {
        var items = Items();
        items.FindOneAndUpdate(new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {n: 2}}"));
        var entry = Assert.Single(Logged(items, "u"));

        var applyOps = new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "u" }, { "ns", entry["ns"] }, { "o", BsonDocument.Parse("{$v: 2, diff: {u: {n: 3}}}") }, { "o2", entry["o2"] }, { "needsRetryImage", "preImage" } },
        });
        var error = Assert.Throws<MongoCommandException>(() => Target.Admin.RunCommand<BsonDocument>(applyOps));

        Assert.Equal(59, error.Code);
        Assert.Contains("needsRetryImage", error.ErrorMessage);
        Assert.Equal(2, items.Find(new BsonDocument("_id", 1)).Single()["n"].AsInt32);
    }
}
