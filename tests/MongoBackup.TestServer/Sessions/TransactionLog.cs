using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// Writes what a transaction's end leaves in the oplog and config.transactions, as op_observer_impl.cpp does:
/// an unprepared commit writes the applyOps chain (<see cref="TransactionEntries"/>) and records "committed"; a prepare
/// writes the chain with prepare: true on its last entry and records "prepared" with startOpTime (the chain's first entry,
/// or the prepare entry when it is alone); a prepared transaction's commit and abort write {commitTransaction: 1,
/// commitTimestamp} and {abortTransaction: 1} entries linked to the prepare entry by prevOpTime, and record "committed" or
/// "aborted". A standalone server (no oplog) records nothing.
/// </summary>
internal sealed class TransactionLog
{
    /// <summary>The prevOpTime of a chain's first entry: the null optime, {ts: Timestamp(0, 0), t: -1}.</summary>
    private static BsonDocument NullOpTime => new() { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } };

    private readonly ReplicationLog? _oplog;
    private readonly Catalog _catalog;
    private readonly ServerParameters _parameters;

    public TransactionLog(ReplicationLog? oplog, Catalog catalog, ServerParameters parameters)
    {
        _oplog = oplog;
        _catalog = catalog;
        _parameters = parameters;
    }

    public void CommitUnprepared(Transaction transaction)
    {
        // A transaction that wrote nothing leaves no entry (onUnpreparedTransactionCommit returns early).
        if (_oplog == null || transaction.Operations.Count == 0) return;
        var entries = TransactionEntries.Build(transaction.Lsid, transaction.TxnNumber, transaction.Operations,
            _parameters.MaxTransactionOperationsPerEntry, prepare: false);
        var (timestamps, wall) = _oplog.AppendChain(entries, NullOpTime, TooLarge);
        TransactionTable.Record(_catalog, transaction.Lsid, transaction.TxnNumber, null, ReplicationLog.OpTime(timestamps[^1]), wall, "committed");
    }

    /// <summary>Writes the prepare chain and returns the prepare entry's optime (its ts is the prepareTimestamp).</summary>
    public BsonDocument Prepare(Transaction transaction)
    {
        var oplog = _oplog ?? throw CommandFailure.NoReplicationEnabled();
        var entries = TransactionEntries.Build(transaction.Lsid, transaction.TxnNumber, transaction.Operations,
            _parameters.MaxTransactionOperationsPerEntry, prepare: true);
        var (timestamps, wall) = oplog.AppendChain(entries, NullOpTime, TooLarge);
        var prepareOpTime = ReplicationLog.OpTime(timestamps[^1]);
        TransactionTable.Record(_catalog, transaction.Lsid, transaction.TxnNumber, ReplicationLog.OpTime(timestamps[0]), prepareOpTime, wall, "prepared");
        return prepareOpTime;
    }

    public void CommitPrepared(Transaction transaction, BsonTimestamp commitTimestamp) =>
        Decide(transaction, new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", commitTimestamp } }, "committed");

    public void AbortPrepared(Transaction transaction) => Decide(transaction, new BsonDocument("abortTransaction", 1), "aborted");

    private void Decide(Transaction transaction, BsonDocument o, string state)
    {
        var oplog = _oplog ?? throw CommandFailure.NoReplicationEnabled();
        var entry = TransactionEntries.Decision(transaction.Lsid, transaction.TxnNumber, o);
        var (timestamps, wall) = oplog.AppendChain([entry], transaction.PrepareOpTime!, TooLarge);
        TransactionTable.Record(_catalog, transaction.Lsid, transaction.TxnNumber, null, ReplicationLog.OpTime(timestamps[0]), wall, state);
    }

    /// <summary>logApplyOps turns an entry's BSONObjectTooLarge into TransactionTooLarge (257).</summary>
    private static CommandFailure TooLarge(long size) => new(257, "TransactionTooLarge",
        $"BSONObj size: {size} (0x{size:X}) is invalid. Size must be between 0 and {ReplicationLog.MaxEntryBytes}(16MB)");
}
