using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>The open (or last) transaction of each logical session, keyed by lsid.id.</summary>
internal sealed class TransactionRegistry(Storage.DataLock dataLock)
{
    private readonly Dictionary<BsonValue, Transaction> _bySession = new(BsonValueOrder.Instance);

    /// <summary>The transaction a command belongs to, starting it when the command says startTransaction.</summary>
    public Transaction? ForCommand(BsonDocument body, ConnectionState connection)
    {
        if (!body.TryGetValue("autocommit", out var autocommit) || autocommit.ToBoolean()) return null;
        if (!body.TryGetValue("lsid", out var lsid) || lsid is not BsonDocument lsidDoc || !body.TryGetValue("txnNumber", out var txn))
            throw CommandFailure.InvalidOptions("a transaction needs lsid and txnNumber");
        var key = lsidDoc["id"];
        var txnNumber = txn.ToInt64();
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
