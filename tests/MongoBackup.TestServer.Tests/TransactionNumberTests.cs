using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A session's txnNumbers only go up: a retryable write or a transaction carrying a txnNumber older than the newest the
/// session used fails with TransactionTooOld (225) and writes nothing (TransactionParticipant::beginOrContinue,
/// src/mongo/db/transaction/transaction_participant.cpp; the messages as transaction_participant_test.cpp's
/// OldRetryableWriteFailsOnSessionWithNewerTransaction and OlderTransactionFailsOnSessionWithNewerTransaction give
/// them); the same number again is a retry, a higher one goes on. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class TransactionNumberTests : ServerTestBase
{
    private static BsonDocument Insert(int id, long txnNumber) => new()
    {
        { "insert", "items" }, { "documents", new BsonArray { new BsonDocument("_id", id) } }, { "txnNumber", txnNumber },
    };

    [Fact]
    public void A_retryable_write_older_than_the_sessions_newest_fails_with_TransactionTooOld_and_writes_nothing()
    {
        var db = Database("txn");
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = false });
        db.RunCommand<BsonDocument>(session, Insert(1, 5));
        db.RunCommand<BsonDocument>(session, Insert(2, 7));

        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(session, Insert(3, 6)));

        Assert.Equal((225, "TransactionTooOld"), (error.Code, error.CodeName));
        Assert.StartsWith("Retryable write with txnNumber 6 is prohibited on session ", error.ErrorMessage);
        Assert.EndsWith(" because a newer transaction with txnNumber 7 has already started on this session.", error.ErrorMessage);
        Assert.Equal([1, 2], db.GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).SortBy(d => d["_id"]).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal(1, db.RunCommand<BsonDocument>(session, Insert(4, 8))["n"].AsInt32);
        Assert.Empty(OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o._id", 3)));
    }

    [Fact]
    public void A_transaction_older_than_the_sessions_newest_write_fails_with_TransactionTooOld()
    {
        var db = Database("txn");
        db.CreateCollection("items");
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = false });
        db.RunCommand<BsonDocument>(session, Insert(1, 10));
        var start = new BsonDocument
        {
            { "insert", "items" }, { "documents", new BsonArray { new BsonDocument("_id", 2) } }, { "txnNumber", 9L },
            { "startTransaction", true }, { "autocommit", false },
        };

        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(session, start));

        Assert.Equal((225, "TransactionTooOld"), (error.Code, error.CodeName));
        Assert.StartsWith("Cannot start transaction 9 on session ", error.ErrorMessage);
        Assert.EndsWith(" because a newer transaction with txnNumber 10 has already started on this session.", error.ErrorMessage);
        Assert.Equal(1, db.GetCollection<BsonDocument>("items").CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }
}
