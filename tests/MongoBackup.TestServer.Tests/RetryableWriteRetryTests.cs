using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A retryable insert, update or delete sent again with the same lsid and txnNumber (a driver's retry after a lost
/// connection or a RetryableWriteError, as mongorestore and Restore-MongoDatabase send theirs) is applied once: the
/// statements the session executed are answered as mongod answers them (write_ops_exec.cpp checkStatementExecuted: an
/// insert or delete n: 1, an update what its oplog entry records) and not run or logged again; its other statements run;
/// a new txnNumber runs everything again. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class RetryableWriteRetryTests : ServerTestBase
{
    private static BsonArray Ids(params int[] ids) => new(ids.Select(id => new BsonDocument { { "_id", id }, { "v", 0 } }));

    private static BsonDocument Insert(BsonArray documents, long txnNumber) => new()
    {
        { "insert", "items" }, { "documents", documents }, { "txnNumber", txnNumber },
    };

    private static List<BsonValue> IdsIn(IMongoDatabase db) =>
        db.GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).SortBy(d => d["_id"]).ToList().Select(d => d["_id"]).ToList();

    private List<BsonValue> InsertedIds(IMongoDatabase db) =>
        Inserts(OplogOf(db.DatabaseNamespace.DatabaseName), $"{db.DatabaseNamespace.DatabaseName}.items").Select(e => e["o"]["_id"]).OrderBy(id => id.AsInt32).ToList();

    [Fact]
    public void An_insert_sent_again_with_the_same_txnNumber_is_answered_without_inserting_again_and_a_new_txnNumber_runs_again()
    {
        var db = Database("retry");
        db.CreateCollection("items");
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = false });
        var documents = Ids(1, 2, 3, 4, 5);
        db.RunCommand<BsonDocument>(session, Insert(documents, 3));

        var retried = db.RunCommand<BsonDocument>(session, Insert(documents, 3));

        Assert.Equal(5, retried["n"].ToInt32());
        Assert.False(retried.Contains("writeErrors"), retried.ToJson());
        Assert.Equal([1, 2, 3, 4, 5], IdsIn(db).Select(id => id.AsInt32));
        Assert.Equal([1, 2, 3, 4, 5], InsertedIds(db).Select(id => id.AsInt32));

        var again = db.RunCommand<BsonDocument>(session, Insert(Ids(1), 4));
        Assert.Equal(0, again["n"].ToInt32());
        Assert.Equal(11000, again["writeErrors"][0]["code"].AsInt32);
    }

    [Fact]
    public void A_resend_with_new_statements_runs_only_those()
    {
        var db = Database("retry");
        db.CreateCollection("items");
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = false });
        db.RunCommand<BsonDocument>(session, Insert(Ids(1, 2), 7)); // stmtIds 0 and 1

        var retried = db.RunCommand<BsonDocument>(session, Insert(Ids(1, 2, 3, 4), 7)); // stmtIds 0 to 3

        Assert.Equal(4, retried["n"].ToInt32());
        Assert.False(retried.Contains("writeErrors"), retried.ToJson());
        Assert.Equal([1, 2, 3, 4], IdsIn(db).Select(id => id.AsInt32));
        Assert.Equal([1, 2, 3, 4], InsertedIds(db).Select(id => id.AsInt32));
    }

    [Fact]
    public void An_update_sent_again_is_not_applied_twice_and_answers_as_the_first_time()
    {
        var db = Database("retry");
        var items = db.GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "v", 0 } });
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = false });
        var update = new BsonDocument
        {
            { "update", "items" }, { "txnNumber", 2L }, { "updates", new BsonArray
            {
                new BsonDocument { { "q", new BsonDocument("_id", 1) }, { "u", new BsonDocument("$inc", new BsonDocument("v", 1)) } },
                new BsonDocument { { "q", new BsonDocument("_id", 2) }, { "u", new BsonDocument("$inc", new BsonDocument("v", 1)) }, { "upsert", true } },
            } },
        };
        var first = db.RunCommand<BsonDocument>(session, update);

        var retried = db.RunCommand<BsonDocument>(session, update);

        Assert.Equal((2, 1), (first["n"].ToInt32(), first["nModified"].ToInt32()));
        Assert.Equal(new BsonArray { new BsonDocument { { "index", 1 }, { "_id", 2 } } }, first["upserted"]);
        Assert.Equal((first["n"].ToInt32(), first["nModified"].ToInt32(), first["upserted"]), (retried["n"].ToInt32(), retried["nModified"].ToInt32(), retried["upserted"]));
        Assert.Equal([1, 1], items.Find(FilterDefinition<BsonDocument>.Empty).SortBy(d => d["_id"]).ToList().Select(d => d["v"].AsInt32));
        var logged = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("op", new BsonDocument("$in", new BsonArray { "u", "i" })));
        Assert.Single(logged, e => e["op"] == "u");
        Assert.Single(logged, e => e["op"] == "i" && e["o"]["_id"] == 2);
    }

    [Fact]
    public void A_delete_sent_again_answers_n_1_without_deleting_again()
    {
        var db = Database("retry");
        var items = db.GetCollection<BsonDocument>("items");
        items.InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = false });
        var delete = new BsonDocument
        {
            { "delete", "items" }, { "txnNumber", 5L },
            { "deletes", new BsonArray { new BsonDocument { { "q", new BsonDocument("_id", 1) }, { "limit", 1 } } } },
        };
        Assert.Equal(1, db.RunCommand<BsonDocument>(session, delete)["n"].ToInt32());
        items.InsertOne(new BsonDocument("_id", 1)); // written again by another session

        var retried = db.RunCommand<BsonDocument>(session, delete);

        Assert.Equal(1, retried["n"].ToInt32());
        Assert.Equal([1, 2], IdsIn(db).Select(id => id.AsInt32));
        Assert.Single(OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("op", "d")));
    }

    [InMemoryFact("sends the session's lsid in the command body from two clients at once")]
    public async Task A_resend_arriving_while_the_first_runs_waits_for_it_and_inserts_nothing_twice()
    {
        var db = Database("retry");
        db.CreateCollection("items");
        var lsid = new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard));
        var documents = new BsonArray(Enumerable.Range(0, 3000).Select(i => new BsonDocument { { "_id", i }, { "pad", new string('x', 200) } }));
        var command = new BsonDocument { { "insert", "items" }, { "documents", documents }, { "lsid", lsid }, { "txnNumber", 1L } };
        var clients = new[] { Target.NewClient(), Target.NewClient() };

        var replies = await Task.WhenAll(clients.Select(client => Task.Run(() =>
            client.GetDatabase(db.DatabaseNamespace.DatabaseName).RunCommandAsync<BsonDocument>(command))));

        Assert.All(replies, reply => Assert.Equal((3000, false), (reply["n"].ToInt32(), reply.Contains("writeErrors"))));
        Assert.Equal(3000, db.GetCollection<BsonDocument>("items").CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(Enumerable.Range(0, 3000), InsertedIds(db).Select(id => id.AsInt32));
    }
}
