using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>prepareTransaction, the commit and abort of prepared transactions, and config.transactions as mongodump reads it.</summary>
public class PreparedTransactionTests
{
    private static readonly Dictionary<string, string> TestCommands = new() { [ServerParameters.EnableTestCommandsName] = "1" };

    /// <summary>mongodump's query for the oldest open transaction (mongodump/oplog_dump.go).</summary>
    private static BsonDocument? OldestOpenTransaction(MongoTarget target) =>
        target.Client.GetDatabase("config").GetCollection<BsonDocument>("transactions")
            .Find(BsonDocument.Parse("{state: {$in: ['prepared', 'inProgress']}}")).Sort(new BsonDocument("startOpTime", 1)).FirstOrDefault();

    [InMemoryFact("a server whose enableTestCommands is off (startup parameter)")]
    public void A_replica_set_that_is_not_a_shard_refuses_prepareTransaction_without_test_commands()
    {
        using var target = MongoTarget.StartInMemory();
        var items = target.Client.GetDatabase("shop").GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        using var session = target.Client.StartSession();
        session.StartTransaction();
        items.InsertOne(session, new BsonDocument("_id", 1));
        var error = Assert.Throws<MongoCommandException>(() => target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("prepareTransaction", 1)));
        Assert.Equal(203, error.Code);
        Assert.Equal("Cannot accept sharding commands if not started with --shardsvr", error.ErrorMessage);
    }

    [InMemoryFact("startup parameter enableTestCommands=1 (prepareTransaction)")]
    public void A_prepared_transaction_is_invisible_until_its_commit_and_config_transactions_shows_it_open_from_its_first_entry()
    {
        using var target = MongoTarget.StartInMemory(TestCommands);
        var items = target.Client.GetDatabase("shop").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "qty", 5 } });
        using var session = target.Client.StartSession();
        session.StartTransaction();
        items.InsertOne(session, new BsonDocument("_id", 2));
        items.UpdateOne(session, new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {qty: 4}}"));
        var prepareTimestamp = target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("prepareTransaction", 1))["prepareTimestamp"].AsBsonTimestamp;

        Assert.Equal([new BsonDocument { { "_id", 1 }, { "qty", 5 } }], items.Find(new BsonDocument()).ToList());
        var prepare = Assert.Single(target.OplogSince(new BsonDocument("ns", "admin.$cmd")));
        Assert.Equal(prepareTimestamp, prepare["ts"].AsBsonTimestamp);
        Assert.True(prepare["o"]["prepare"].AsBoolean);
        var open = OldestOpenTransaction(target);
        Assert.NotNull(open);
        Assert.Equal(["_id", "txnNum", "startOpTime", "lastWriteOpTime", "lastWriteDate", "state"], open.Names);
        Assert.Equal("prepared", open["state"].AsString);
        Assert.Equal(prepare["lsid"], open["_id"]);
        Assert.Equal(new BsonDocument { { "ts", prepareTimestamp }, { "t", 1L } }, open["startOpTime"]);
        Assert.Equal(open["startOpTime"], open["lastWriteOpTime"]);

        target.Admin.RunCommand<BsonDocument>(session, new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", prepareTimestamp } });

        Assert.Equal([new BsonDocument { { "_id", 1 }, { "qty", 4 } }, new BsonDocument("_id", 2)],
            items.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList());
        var commit = target.OplogSince(new BsonDocument("ns", "admin.$cmd"))[^1];
        Assert.Equal(new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", prepareTimestamp } }, commit["o"]);
        Assert.Equal(new BsonDocument { { "ts", prepareTimestamp }, { "t", 1L } }, commit["prevOpTime"]);
        Assert.Null(OldestOpenTransaction(target));
        var record = target.Client.GetDatabase("config").GetCollection<BsonDocument>("transactions").Find(new BsonDocument("_id", prepare["lsid"])).Single();
        Assert.Equal("committed", record["state"].AsString);
        Assert.Equal(["_id", "txnNum", "lastWriteOpTime", "lastWriteDate", "state"], record.Names);
        Assert.Equal(commit["ts"], record["lastWriteOpTime"]["ts"]);
    }

    [InMemoryFact("startup parameters enableTestCommands=1 and maxNumberOfTransactionOperationsInSingleOplogEntry=2")]
    public void A_prepared_chain_starts_the_open_transaction_at_its_first_entry_and_an_abort_leaves_nothing()
    {
        using var target = MongoTarget.StartInMemory(new Dictionary<string, string>(TestCommands) { [ServerParameters.MaxTransactionOperationsPerEntryName] = "2" });
        var items = target.Client.GetDatabase("shop").GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        using var session = target.Client.StartSession();
        session.StartTransaction();
        items.InsertMany(session, Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)));
        target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("prepareTransaction", 1));

        var chain = target.OplogSince(new BsonDocument("ns", "admin.$cmd"));
        Assert.Equal(3, chain.Count);
        Assert.Equal(chain[0]["ts"], OldestOpenTransaction(target)!["startOpTime"]["ts"]);
        Assert.Equal(chain[2]["ts"], OldestOpenTransaction(target)!["lastWriteOpTime"]["ts"]);

        target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("abortTransaction", 1));

        var abort = target.OplogSince(new BsonDocument("ns", "admin.$cmd"))[^1];
        Assert.Equal(new BsonDocument("abortTransaction", 1), abort["o"]);
        Assert.Equal(chain[2]["ts"], abort["prevOpTime"]["ts"]);
        Assert.Equal(0, items.CountDocuments(new BsonDocument()));
        Assert.Null(OldestOpenTransaction(target));
    }

    [InMemoryFact("startup parameter enableTestCommands=1 (prepareTransaction)")]
    public void Commit_of_a_prepared_transaction_needs_a_commitTimestamp_no_earlier_than_its_prepareTimestamp()
    {
        using var target = MongoTarget.StartInMemory(TestCommands);
        var items = target.Client.GetDatabase("shop").GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        using var session = target.Client.StartSession();
        session.StartTransaction();
        items.InsertOne(session, new BsonDocument("_id", 1));
        var prepared = target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("prepareTransaction", 1))["prepareTimestamp"].AsBsonTimestamp;

        var missing = Assert.Throws<MongoCommandException>(() => target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("commitTransaction", 1)));
        Assert.Equal((72, "commitTransaction must provide commitTimestamp to prepared transaction."), (missing.Code, missing.ErrorMessage));
        var early = Assert.Throws<MongoCommandException>(() => target.Admin.RunCommand<BsonDocument>(session,
            new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", new BsonTimestamp(prepared.Timestamp - 1, 1) } }));
        Assert.Equal((72, "'commitTimestamp' must be greater than or equal to 'prepareTimestamp'"), (early.Code, early.ErrorMessage));
        var write = Assert.Throws<MongoCommandException>(() => items.InsertOne(session, new BsonDocument("_id", 2)));
        Assert.Equal(267, write.Code);
        Assert.Equal(0, items.CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void An_unprepared_commit_records_the_session_committed_and_nothing_open()
    {
        using var target = MongoTarget.Open();
        var items = target.Client.GetDatabase(target.NewDatabaseName("txn")).GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        BsonValue sessionId;
        using (var session = target.Client.StartSession())
        {
            session.StartTransaction();
            items.InsertOne(session, new BsonDocument("_id", 1));
            session.CommitTransaction();
            sessionId = session.ServerSession.Id["id"];
        }

        var commit = Assert.Single(target.OplogSince(new BsonDocument("lsid.id", sessionId)));
        var record = target.Client.GetDatabase("config").GetCollection<BsonDocument>("transactions").Find(new BsonDocument("_id.id", sessionId)).Single();
        Assert.Equal(commit["lsid"], record["_id"]);
        Assert.Equal(commit["txnNumber"], record["txnNum"]);
        Assert.Equal(new BsonDocument { { "ts", commit["ts"] }, { "t", commit["t"] } }, record["lastWriteOpTime"]);
        Assert.Equal(commit["wall"], record["lastWriteDate"]);
        Assert.Equal("committed", record["state"].AsString);
        Assert.False(record.Contains("startOpTime"));
    }
}
