using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Transactions are written to the oplog in the forms of mongorestore/testdata/transactions.json (as today's server writes
/// them, see <see cref="CapturedTransactionForm"/>): one applyOps entry while small, a partialTxn chain linked by prevOpTime
/// and closed by the entry carrying count, the prepare form and the commitTransaction / abortTransaction entries; and the
/// operations they hold, applied through applyOps as a restore tool applies them, give the capture's postimage. "large,
/// prepared, committed" is left out: its last entry holds 4 operations after two of 3, which no per-entry limit produces
/// ("large, prepared, aborted" has the same chain with 3 in each).
/// </summary>
public class TransactionFormTests
{
    [Fact]
    public void A_small_transaction_is_logged_in_the_captured_form_and_its_operations_apply_to_the_captured_postimage()
    {
        using var target = MongoTarget.Open();
        AssertLoggedAndApplied(target, Captures.Transaction("small, unprepared"));
    }

    [InMemoryTheory("startup parameters enableTestCommands=1 and maxNumberOfTransactionOperationsInSingleOplogEntry as each capture was written")]
    [InlineData("large, unprepared")]
    [InlineData("small, prepared, committed")]
    [InlineData("small, prepared, aborted")]
    [InlineData("large, prepared, aborted")]
    [InlineData("small, prepared, incomplete")]
    public void A_transaction_is_logged_in_the_captured_form_and_its_operations_apply_to_the_captured_postimage(string name)
    {
        var original = Captures.Transaction(name);
        using var target = MongoTarget.StartInMemory(TransactionReplay.ParametersFor(original));
        AssertLoggedAndApplied(target, original);
    }

    private static void AssertLoggedAndApplied(MongoTarget target, TransactionCase original)
    {
        var capture = original.InDatabase(target.NewDatabaseName("txn"));

        var written = TransactionReplay.Run(target, capture);

        var expected = CapturedTransactionForm.Of(capture.Entries);
        Assert.Equal(expected.Count, written.Count);
        for (var i = 0; i < written.Count; i++) EntryForm.AssertSame(expected[i], written[i], CapturedTransactionForm.Varying);
        AssertLinked(written);
        var (database, collection) = (capture.Namespace.Split('.', 2)[0], capture.Namespace.Split('.', 2)[1]);
        Assert.Equal(capture.Postimage, target.Client.GetDatabase(database).GetCollection<BsonDocument>(collection)
            .Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList());

        Assert.Equal(capture.Postimage, ApplyAsARestoreToolDoes(target, written));
    }

    /// <summary>The first entry links to the null optime; each later one to the entry before it.</summary>
    private static void AssertLinked(List<BsonDocument> written)
    {
        Assert.Equal(new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } }, written[0]["prevOpTime"]);
        for (var i = 1; i < written.Count; i++)
            Assert.Equal(new BsonDocument { { "ts", written[i - 1]["ts"] }, { "t", 1L } }, written[i]["prevOpTime"]);
    }

    /// <summary>
    /// A committed transaction's operations, gathered from its entries and applied with applyOps into a fresh database
    /// without the source's collection UUIDs, as mongorestore applies a transaction it has buffered to its commit.
    /// </summary>
    private static List<BsonDocument> ApplyAsARestoreToolDoes(MongoTarget target, List<BsonDocument> written)
    {
        var committed = written.Count == 1
            ? !written[0]["o"].AsBsonDocument.Contains("prepare")
            : written[^1]["o"].AsBsonDocument.Contains("count") || written[^1]["o"].AsBsonDocument.Contains("commitTransaction");
        var restored = target.NewDatabaseName("restored");
        string? collection = null;
        var operations = new BsonArray();
        foreach (var op in CapturedTransactionForm.Operations(written))
        {
            collection ??= op["ns"].AsString.Split('.', 2)[1];
            var copy = new BsonDocument(op) { ["ns"] = restored + "." + collection };
            copy.Remove("ui");
            operations.Add(copy);
        }
        if (!committed || collection == null) return [];
        target.Client.GetDatabase(restored).CreateCollection(collection);
        target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", operations));
        return target.Client.GetDatabase(restored).GetCollection<BsonDocument>(collection)
            .Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList();
    }
}
