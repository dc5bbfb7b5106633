using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>The open (or last) transaction of each logical session, keyed by lsid.id.</summary>
internal sealed class TransactionRegistry
{
    private readonly Dictionary<BsonValue, Transaction> _bySession = new(BsonValueOrder.Instance);

    /// <summary>The transaction a command belongs to, starting it when the command says startTransaction.</summary>
    public Transaction? ForCommand(BsonDocument body)
    {
        if (!body.TryGetValue("autocommit", out var autocommit) || autocommit.ToBoolean()) return null;
        if (!body.TryGetValue("lsid", out var lsid) || lsid is not BsonDocument lsidDoc || !body.TryGetValue("txnNumber", out var txn))
            throw CommandFailure.InvalidOptions("a transaction needs lsid and txnNumber");
        var key = lsidDoc["id"];
        var txnNumber = txn.ToInt64();
        if (body.TryGetValue("startTransaction", out var start) && start.ToBoolean())
        {
            if (_bySession.TryGetValue(key, out var previous) && !previous.IsCommitted) previous.Abort();
            var transaction = new Transaction(lsidDoc, txnNumber);
            _bySession[key] = transaction;
            return transaction;
        }
        if (_bySession.TryGetValue(key, out var current) && current.TxnNumber == txnNumber) return current;
        throw CommandFailure.NoSuchTransaction($"Transaction with {{ txnNumber: {txnNumber} }} has been aborted.");
    }

    public void Forget(Transaction transaction)
    {
        if (_bySession.TryGetValue(transaction.Lsid["id"], out var current) && ReferenceEquals(current, transaction) && !transaction.IsCommitted)
            _bySession.Remove(transaction.Lsid["id"]);
    }

    /// <summary>endSessions / killSessions: open transactions of those sessions are aborted.</summary>
    public void EndSession(BsonValue sessionId)
    {
        if (_bySession.Remove(sessionId, out var transaction) && !transaction.IsCommitted) transaction.Abort();
    }
}
