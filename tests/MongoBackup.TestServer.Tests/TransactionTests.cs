using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>Transactions commit as one applyOps entry and abort without a trace; runs against MONGOBACKUP_TEST_URI when set.</summary>
public class TransactionTests : ServerTestBase
{
    /// <summary>The applyOps entries of transactions (not those of retryable writes' grouped inserts, which carry multiOpType).</summary>
    private static BsonDocument TransactionEntries => new() { { "ns", "admin.$cmd" }, { "multiOpType", new BsonDocument("$exists", false) } };

    [Fact]
    public void Commit_writes_one_applyOps_entry_with_the_session()
    {
        var client = Client;
        var bank = Database("bank");
        var accounts = bank.GetCollection<BsonDocument>("accounts");
        accounts.InsertMany(new[] { BsonDocument.Parse("{_id: 'a', balance: 100}"), BsonDocument.Parse("{_id: 'b', balance: 0}") });
        using (var session = client.StartSession())
        {
            session.StartTransaction();
            accounts.UpdateOne(session, new BsonDocument("_id", "a"), BsonDocument.Parse("{$inc: {balance: -30}}"));
            accounts.UpdateOne(session, new BsonDocument("_id", "b"), BsonDocument.Parse("{$inc: {balance: 30}}"));
            accounts.InsertOne(session, BsonDocument.Parse("{_id: 'c', balance: 5}"));
            session.CommitTransaction();
        }
        Assert.Equal(new[] { 70, 30, 5 }, accounts.Find(new BsonDocument()).ToList().Select(d => d["balance"].AsInt32));

        var commit = OplogOf(bank.DatabaseNamespace.DatabaseName, TransactionEntries).Single();
        Assert.Equal("c", commit["op"].AsString);
        Assert.True(commit.Contains("lsid"));
        Assert.True(commit["txnNumber"].AsInt64 > 0);
        var inner = commit["o"]["applyOps"].AsBsonArray.Select(e => e.AsBsonDocument).ToList();
        Assert.Equal(new[] { "u", "u", "i" }, inner.Select(e => e["op"].AsString));
        Assert.All(inner, e => Assert.Equal(accounts.CollectionNamespace.FullName, e["ns"].AsString));
        Assert.Equal(BsonDocument.Parse("{$v: 2, diff: {u: {balance: 70}}}"), inner[0]["o"]);
        Assert.Empty(OplogOf(bank.DatabaseNamespace.DatabaseName, BsonDocument.Parse("{op: 'u'}")));
    }

    [Fact]
    public void Abort_discards_every_write_of_the_transaction()
    {
        var bank = Database("bank");
        var accounts = bank.GetCollection<BsonDocument>("accounts");
        accounts.InsertOne(BsonDocument.Parse("{_id: 'a', balance: 100}"));
        var before = OplogOf(bank.DatabaseNamespace.DatabaseName).Count;
        using (var session = Client.StartSession())
        {
            session.StartTransaction();
            accounts.UpdateOne(session, new BsonDocument("_id", "a"), BsonDocument.Parse("{$set: {balance: 0}}"));
            accounts.InsertOne(session, BsonDocument.Parse("{_id: 'x'}"));
            accounts.DeleteOne(session, new BsonDocument("_id", "a"));
            Assert.Equal(new[] { "x" }, accounts.Find(session, new BsonDocument()).ToList().Select(d => d["_id"].AsString));
            session.AbortTransaction();
        }
        Assert.Equal(new[] { BsonDocument.Parse("{_id: 'a', balance: 100}") }, accounts.Find(new BsonDocument()).ToList());
        Assert.Equal(before, OplogOf(bank.DatabaseNamespace.DatabaseName).Count);
    }

    [Fact]
    public void WithTransaction_callback_commits()
    {
        var items = Database("shop").GetCollection<BsonDocument>("items");
        using var session = Client.StartSession();
        session.WithTransaction((s, _) =>
        {
            items.InsertOne(s, new BsonDocument("_id", 1));
            items.InsertOne(s, new BsonDocument("_id", 2));
            return true;
        });
        Assert.Equal(2, items.CountDocuments(new BsonDocument()));
    }
}
