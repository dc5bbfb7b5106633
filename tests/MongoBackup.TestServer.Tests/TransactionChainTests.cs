using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>What a committed transaction leaves in the oplog, checked against the 8.0 captures; runs against MONGOBACKUP_TEST_URI when set.</summary>
public class TransactionChainTests
{
    /// <summary>The applyOps entries of transactions on the collection (only the test's own: a real server may be shared).</summary>
    private static List<BsonDocument> TransactionEntries(MongoTarget target, IMongoCollection<BsonDocument> collection) =>
        target.OplogSince(new BsonDocument { { "ns", "admin.$cmd" }, { "o.applyOps.ns", collection.CollectionNamespace.FullName } });

    [Fact]
    public void A_transaction_entry_has_the_envelope_of_the_8_0_capture()
    {
        using var target = MongoTarget.Open();
        var items = target.Client.GetDatabase(target.NewDatabaseName("txn")).GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        using (var session = target.Client.StartSession())
        {
            session.StartTransaction();
            items.InsertOne(session, new BsonDocument { { "_id", 100 }, { "a", 1 } });
            items.InsertOne(session, new BsonDocument { { "_id", 200 }, { "a", 2 } });
            session.CommitTransaction();
        }

        var written = Assert.Single(TransactionEntries(target, items));
        // vectored_insert.bson is a retryable batched insert, the same envelope as a transaction's plus multiOpType.
        var captured = Captures.Oplog("vectored_insert").Single();
        captured.Remove("multiOpType");
        foreach (var op in captured["o"]["applyOps"].AsBsonArray.Cast<BsonDocument>())
        {
            op.Remove("stmtId"); // stmtIds go into a transaction's operations only for internal retryable sessions (onInserts)
            op["ns"] = items.CollectionNamespace.FullName;
        }
        EntryForm.AssertSame(captured, written, "lsid.id", "txnNumber", "ts", "wall", "o.applyOps.[].ui");
    }

    [Fact]
    public void One_transaction_of_1200_inserts_of_16_KB_is_a_partialTxn_chain_that_holds_every_insert_in_entries_within_16_MB()
    {
        using var target = MongoTarget.Open();
        var db = target.Client.GetDatabase(target.NewDatabaseName("bigtxn"));
        db.CreateCollection("docs");
        var docs = db.GetCollection<BsonDocument>("docs");
        var padding = new string('x', 16 * 1024);
        using (var session = target.Client.StartSession())
        {
            session.StartTransaction();
            docs.InsertMany(session, Enumerable.Range(0, 1200).Select(i => new BsonDocument { { "_id", i }, { "pad", padding } }));
            session.CommitTransaction();
        }

        var entries = TransactionEntries(target, docs);
        Assert.True(entries.Count >= 2, $"19 MB of inserts must not fit one entry, but the transaction wrote {entries.Count}");
        Assert.All(entries, entry => Assert.True(entry.ToBson().Length <= 16 * 1024 * 1024 + 16 * 1024,
            $"an entry of {entry.ToBson().Length} bytes exceeds what the oplog holds"));
        for (var i = 0; i < entries.Count; i++)
        {
            var o = entries[i]["o"].AsBsonDocument;
            var operationBytes = o["applyOps"].AsBsonArray.Sum(op => op.ToBson().Length + 8);
            Assert.True(operationBytes <= 16 * 1024 * 1024, $"entry {i} packs {operationBytes} bytes of operations, over 16 MiB");
            if (i < entries.Count - 1) Assert.True(o["partialTxn"].AsBoolean);
            else Assert.Equal(1200L, o["count"].AsInt64);
            if (i > 0) Assert.Equal(entries[i - 1]["ts"], entries[i]["prevOpTime"]["ts"]);
        }
        var ids = entries.SelectMany(e => e["o"]["applyOps"].AsBsonArray).Select(op => op["o"]["_id"].AsInt32).ToList();
        Assert.Equal(Enumerable.Range(0, 1200), ids);
        Assert.Equal(1200, docs.CountDocuments(new BsonDocument()));
    }

    [InMemoryFact("startup parameter maxNumberOfTransactionOperationsInSingleOplogEntry=4")]
    public void The_per_entry_operation_limit_cuts_the_chain()
    {
        using var target = MongoTarget.StartInMemory(new Dictionary<string, string> { [ServerParameters.MaxTransactionOperationsPerEntryName] = "4" });
        var items = target.Client.GetDatabase(target.NewDatabaseName("txn")).GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        using (var session = target.Client.StartSession())
        {
            session.StartTransaction();
            items.InsertMany(session, Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", i)));
            session.CommitTransaction();
        }

        var entries = TransactionEntries(target, items);
        Assert.Equal([4, 4, 2], entries.Select(e => e["o"]["applyOps"].AsBsonArray.Count));
        Assert.Equal([true, true, false], entries.Select(e => e["o"].AsBsonDocument.Contains("partialTxn")));
        Assert.Equal(10L, entries[^1]["o"]["count"].AsInt64);
        Assert.Single(entries.Select(e => e["wall"]).Distinct()); // one commit, one wall time (logOplogEntries)
    }

    [Fact]
    public void Two_9_MB_documents_in_one_transaction_are_two_entries_of_a_chain_each_within_the_oplog_s_limit()
    {
        using var target = MongoTarget.Open();
        var db = target.Client.GetDatabase(target.NewDatabaseName("bigtxn"));
        db.CreateCollection("docs");
        var docs = db.GetCollection<BsonDocument>("docs");
        var nine = new string('n', 9 * 1024 * 1024);
        using (var session = target.Client.StartSession())
        {
            session.StartTransaction();
            docs.InsertOne(session, new BsonDocument { { "_id", 1 }, { "pad", nine } });
            docs.InsertOne(session, new BsonDocument { { "_id", 2 }, { "pad", nine } });
            session.CommitTransaction();
        }

        var entries = TransactionEntries(target, docs);
        Assert.Equal(2, entries.Count);
        Assert.True(entries[0]["o"]["partialTxn"].AsBoolean);
        Assert.Equal(2L, entries[1]["o"]["count"].AsInt64);
        Assert.All(entries, e => Assert.InRange(e.ToBson().Length, 9 * 1024 * 1024, 16 * 1024 * 1024 + 16 * 1024));
    }
}
