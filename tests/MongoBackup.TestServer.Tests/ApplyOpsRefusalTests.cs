using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// What applyOps refuses of the oplog's raw forms, with MongoDB's errors (repl/apply_ops.cpp, repl/oplog.cpp,
/// transaction_oplog_application.cpp; the transaction cases as MongoDB's own jstest "transaction oplog entries are not
/// accepted by the applyOps command" checks them, with maxNumberOfTransactionOperationsInSingleOplogEntry 1), and the
/// validation it does unless told not to. Runs against MONGOBACKUP_TEST_URI when set, except where the server needs startup
/// parameters to write the forms.
/// </summary>
public class ApplyOpsRefusalTests
{
    private static MongoCommandException Refused(MongoTarget target, BsonDocument entry, BsonDocument? options = null) =>
        Assert.Throws<MongoCommandException>(() =>
            target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray { entry }).AddRange(options ?? new BsonDocument())));

    /// <summary>A captured entry with its namespace moved to the test's database and without the source's UUID.</summary>
    private static BsonDocument Moved(BsonDocument captured, string database)
    {
        var entry = new BsonDocument(captured) { ["ns"] = database + "." + captured["ns"].AsString.Split('.', 2)[1] };
        entry.Remove("ui");
        return entry;
    }

    [Theory]
    [InlineData("create_index", 0)]
    [InlineData("commit_index", 0)]
    [InlineData("commit_index", 1)]
    public void Index_build_entries_are_refused_in_the_default_mode(string capture, int index)
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("refuse");
        target.Client.GetDatabase(database).CreateCollection("foo");
        var entry = Moved(Captures.Oplog(capture)[index], database);

        var error = Refused(target, entry);

        Assert.Equal(115, error.Code);
        Assert.Equal($"The {entry["o"].AsBsonDocument.GetElement(0).Name} operation is not supported in applyOps mode", error.ErrorMessage);
        Assert.Equal(["_id_"], target.Client.GetDatabase(database).GetCollection<BsonDocument>("foo").Indexes.List().ToList().Select(i => i["name"].AsString));
    }

    [Fact]
    public void An_abortIndexBuild_entry_is_refused_in_the_default_mode()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("refuse");
        target.Client.GetDatabase(database).CreateCollection("skip_index_entries");
        var error = Refused(target, Moved(Captures.File("mongorestore/testdata/oplog_ignore_index/oplog.bson")[1], database));
        Assert.Equal((115, "The abortIndexBuild operation is not supported in applyOps mode"), (error.Code, error.ErrorMessage));
    }

    [Fact]
    public void In_initial_sync_mode_a_commitIndexBuild_entry_builds_its_indexes()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("initsync");
        target.Client.GetDatabase(database).GetCollection<BsonDocument>("foo").InsertOne(new BsonDocument("a", 1));
        target.Admin.RunCommand<BsonDocument>(new BsonDocument
        {
            { "applyOps", new BsonArray(Captures.Oplog("commit_index").Select(e => Moved(e, database))) }, { "oplogApplicationMode", "InitialSync" },
        });
        Assert.Equal(["_id_", "a_1"], target.Client.GetDatabase(database).GetCollection<BsonDocument>("foo").Indexes.List().ToList().Select(i => i["name"].AsString));
    }

    [Fact]
    public void An_insert_into_a_collection_that_does_not_exist_is_refused()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("refuse");
        var error = Refused(target, new BsonDocument { { "op", "i" }, { "ns", database + ".nowhere" }, { "o", new BsonDocument("_id", 1) } });
        Assert.Equal(26, error.Code);
        Assert.StartsWith($"cannot apply insert or update operation on a non-existent namespace {database}.nowhere", error.ErrorMessage);
        Assert.DoesNotContain(database, target.Client.ListDatabaseNames().ToList());
    }

    [Fact]
    public void An_entry_whose_uuid_names_another_collection_fails_and_the_others_apply()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("refuse");
        var db = target.Client.GetDatabase(database);
        db.CreateCollection("a");
        var foreign = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        var error = Assert.Throws<MongoCommandException>(() => target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "i" }, { "ns", database + ".a" }, { "ui", foreign }, { "o", new BsonDocument("_id", 1) } },
            new BsonDocument { { "op", "i" }, { "ns", database + ".a" }, { "o", new BsonDocument("_id", 2) } },
        })));
        Assert.Equal(8, error.Code);
        Assert.Equal(new BsonArray { false, true }, error.Result["results"]);
        Assert.Equal([2], db.GetCollection<BsonDocument>("a").Find(new BsonDocument()).ToList().Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public void Applied_documents_meet_the_validator_unless_bypassDocumentValidation_is_given()
    {
        // The capture creates a collection with a $jsonSchema validator, then inserts one valid and two invalid documents.
        var capture = Captures.Oplog("bypassDocumentValidation").Where(e => e["op"] != "n").ToList();
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("valid");
        var coll1 = target.Client.GetDatabase(database).GetCollection<BsonDocument>("coll1");
        var entries = capture.Select(e => e["op"] == "c" ? new BsonDocument(e) { ["ns"] = database + ".$cmd" } : Moved(e, database)).ToList();
        foreach (var entry in entries) entry.Remove("ui");

        target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray { entries[0], entries[1] }));
        var error = Refused(target, entries[2]);
        Assert.Equal((121, "Document failed validation"), (error.Code, error.ErrorMessage));
        Assert.Equal(["valid"], coll1.Find(new BsonDocument()).ToList().Select(d => d["testField"].AsString));

        target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "applyOps", new BsonArray { entries[2], entries[3] } }, { "bypassDocumentValidation", true } });
        Assert.Equal(["valid", "invalid", "also_invalid"], coll1.Find(new BsonDocument()).ToList().Select(d => d["testField"].AsString));
    }

    [InMemoryFact("startup parameters maxNumberOfTransactionOperationsInSingleOplogEntry=1 and enableTestCommands=1")]
    public void A_transaction_s_chain_prepare_commit_and_abort_entries_are_refused_as_they_are()
    {
        using var target = MongoTarget.StartInMemory(new Dictionary<string, string>
        {
            [ServerParameters.MaxTransactionOperationsPerEntryName] = "1", [ServerParameters.EnableTestCommandsName] = "1",
        });
        var items = target.Client.GetDatabase("test").GetCollection<BsonDocument>("coll");
        items.InsertOne(new BsonDocument());
        List<BsonDocument> Run(Action<IClientSessionHandle> end)
        {
            var since = target.LastOplogTimestamp();
            using var session = target.Client.StartSession();
            session.StartTransaction();
            items.InsertOne(session, new BsonDocument("x", 1));
            items.InsertOne(session, new BsonDocument("x", 2));
            end(session);
            return target.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
                .Find(new BsonDocument { { "ts", new BsonDocument("$gt", since) }, { "ns", "admin.$cmd" } }).ToList();
        }
        BsonTimestamp Prepare(IClientSessionHandle s) => target.Admin.RunCommand<BsonDocument>(s, new BsonDocument("prepareTransaction", 1))["prepareTimestamp"].AsBsonTimestamp;
        var unprepared = Run(s => s.CommitTransaction());
        var committed = Run(s => target.Admin.RunCommand<BsonDocument>(s, new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", Prepare(s) } }));
        var aborted = Run(s => { Prepare(s); target.Admin.RunCommand<BsonDocument>(s, new BsonDocument("abortTransaction", 1)); });
        items.DeleteMany(new BsonDocument());

        Assert.Equal(31056, Refused(target, unprepared[0]).Code); // in progress: partialTxn
        Assert.Equal(31240, Refused(target, unprepared[1]).Code); // implicit commit: count
        Assert.Equal((51145, "prepareTransaction oplog entry is only used internally by secondaries."),
            (Refused(target, committed[1]).Code, Refused(target, committed[1]).ErrorMessage));
        Assert.Equal((50987, "commitTransaction is only used internally by secondaries."),
            (Refused(target, committed[2]).Code, Refused(target, committed[2]).ErrorMessage));
        Assert.Equal((50972, "abortTransaction is only used internally by secondaries."),
            (Refused(target, aborted[2]).Code, Refused(target, aborted[2]).ErrorMessage));
        Assert.Equal(0, items.CountDocuments(new BsonDocument()));
    }
}
