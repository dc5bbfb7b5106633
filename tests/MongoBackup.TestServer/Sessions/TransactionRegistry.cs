using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Query;
using System.Collections.Concurrent;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>The open (or last) transaction of each logical session, keyed by lsid.id.</summary>
internal sealed class TransactionRegistry(Storage.DataLock dataLock)
{
    private readonly Dictionary<BsonValue, Transaction> _bySession = new(BsonValueOrder.Instance);

    /// <summary>The newest txnNumber each session (its lsid.id) has used, by a retryable write or a transaction.</summary>
    private readonly ConcurrentDictionary<BsonValue, long> _newest = new(BsonValueOrder.Instance);

    /// <summary>
    /// Holds a command's txnNumber to the session's newest, as mongod's TransactionParticipant::beginOrContinue does
    /// (src/mongo/db/transaction/transaction_participant.cpp): a number below it fails with TransactionTooOld (225),
    /// the message as transaction_participant_test.cpp's OlderTransactionFailsOnSessionWithNewerTransaction and
    /// OldRetryableWriteFailsOnSessionWithNewerTransaction give it; an equal one continues (a retry), a higher one
    /// becomes the newest. Kept for the server's life (mongod keeps it in config.transactions until the session is
    /// reaped, 30 minutes after its last use by default).
    /// </summary>
    public void RequireCurrent(BsonDocument lsid, long txnNumber, bool inTransaction)
    {
        var key = lsid["id"];
        while (true)
        {
            if (!_newest.TryGetValue(key, out var newest))
            {
                if (_newest.TryAdd(key, txnNumber)) return;
                continue;
            }
            if (txnNumber < newest)
                throw new CommandFailure(225, "TransactionTooOld",
                    (inTransaction ? $"Cannot start transaction {txnNumber}" : $"Retryable write with txnNumber {txnNumber} is prohibited") +
                    $" on session {LogicalSessionId.Describe(lsid)} because a newer transaction with txnNumber {newest} has already started on this session.");
            if (txnNumber == newest || _newest.TryUpdate(key, txnNumber, newest)) return;
        }
    }

    /// <summary>The transaction a command belongs to, starting it when the command says startTransaction.</summary>
    public Transaction? ForCommand(BsonDocument body, ConnectionState connection)
    {
        if (!body.TryGetValue("autocommit", out var autocommit) || autocommit.ToBoolean()) return null;
        if (!body.TryGetValue("lsid", out var lsid) || lsid is not BsonDocument lsidDoc || !body.TryGetValue("txnNumber", out var txn))
            throw CommandFailure.InvalidOptions("a transaction needs lsid and txnNumber");
        var key = lsidDoc["id"];
        var txnNumber = txn.ToInt64();
        RequireCurrent(lsidDoc, txnNumber, inTransaction: true);
        _bySession.TryGetValue(key, out var current);
        if (body.TryGetValue("startTransaction", out var start) && start.ToBoolean())
        {
            if (current is { State: TransactionState.Prepared })
                throw new CommandFailure(267, "PreparedTransactionInProgress",
                    $"Cannot start transaction {txnNumber} on session {key} because a prepared transaction {current.TxnNumber} is in progress");
            if (current is { State: TransactionState.InProgress }) current.Abort();
            // Its end wakes the writes waiting for its records (WriteConflictRetry).
            var transaction = new Transaction(LogicalSessionId.Complete(lsidDoc, connection), txnNumber, dataLock.NotifyWrite);
            _bySession[key] = transaction;
            return transaction;
        }
        if (current != null && current.TxnNumber == txnNumber && current.State != TransactionState.Aborted) return current;
        throw CommandFailure.NoSuchTransaction($"Transaction with {{ txnNumber: {txnNumber} }} has been aborted.");
    }

    public void Forget(Transaction transaction)
    {
        var key = transaction.Lsid["id"];
        if (_bySession.TryGetValue(key, out var current) && ReferenceEquals(current, transaction) && transaction.State == TransactionState.Aborted)
            _bySession.Remove(key);
    }

    /// <summary>
    /// endSessions / killSessions: an in-progress transaction of those sessions is aborted; a prepared one stays until
    /// its commit or abort, as MongoDB keeps it.
    /// </summary>
    public void EndSession(BsonValue sessionId)
    {
        if (!_bySession.TryGetValue(sessionId, out var transaction) || transaction.State == TransactionState.Prepared) return;
        _bySession.Remove(sessionId);
        if (transaction.State == TransactionState.InProgress) transaction.Abort();
    }
}
