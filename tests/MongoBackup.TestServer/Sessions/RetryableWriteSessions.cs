using System.Collections.Concurrent;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// The statements each session's retryable insert, update and delete commands executed under its current txnNumber,
/// so that a command sent again with the same lsid and txnNumber (a driver's retry after a lost connection or a
/// RetryableWriteError) is not run again: as mongod's write_ops_exec.cpp (performInserts, performUpdates,
/// performDeletes) asks txnParticipant.checkStatementExecuted(opCtx, stmtId) per statement, skips one the session
/// already executed and answers it as succeeded, an insert or delete with n: 1 (makeWriteResultForInsertOrDeleteRetry),
/// an update with what its oplog entry records (write_ops_retryability.cpp parseOplogEntryForUpdate: an "u" entry
/// n: 1, nModified: 1; an upsert's "i" entry n: 1, nModified: 0, upserted its _id), which is what it answered the first
/// time; the command's other statements run. A statement is executed once it wrote its oplog entry
/// (op_observer_impl.cpp onWriteOpCompleted: TransactionParticipant::onWriteOpCompletedOnPrimary records its stmtIds), so a failed statement, a delete
/// that matched nothing and an update that changed nothing are not recorded and run again. A newer txnNumber starts an
/// empty set (an older one fails with TransactionTooOld before it gets here, <see cref="TransactionRegistry.RequireCurrent"/>).
/// mongod runs one operation per session at a time (the session is checked out, session_catalog.cpp): so a retry that
/// arrives while the first command still runs waits for it, <see cref="CheckOut"/>. Kept in memory for the server's life,
/// as config.transactions would be (findAndModify's retries are <see cref="FindAndModifyRetries"/>).
/// </summary>
internal sealed class RetryableWriteSessions
{
    private readonly ConcurrentDictionary<BsonValue, CheckedOutSession> _bySession = new(BsonValueOrder.Instance);

    /// <summary>
    /// Waits until no other command holds the session <paramref name="sessionId"/> (lsid.id), then holds it until the
    /// returned session is disposed. Take it before the data lock: the holder may wait for that lock.
    /// </summary>
    public CheckedOutSession CheckOut(BsonValue sessionId)
    {
        var session = _bySession.GetOrAdd(sessionId, static _ => new CheckedOutSession());
        session.Enter();
        return session;
    }

    /// <summary>A session held by one command: the statements executed under its txnNumber.</summary>
    internal sealed class CheckedOutSession : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private long _txnNumber = long.MinValue;

        /// <summary>stmtId → null for an insert or delete, or the update's result.</summary>
        private readonly Dictionary<int, UpdateResult?> _executed = [];

        /// <summary>What an executed update statement answered: n, nModified, and the upserted _id (null when none).</summary>
        public sealed record UpdateResult(long N, long Modified, BsonValue? UpsertedId);

        internal void Enter() => _gate.Wait();

        /// <summary>The command runs under <paramref name="txnNumber"/> (already checked not older than the session's newest): a newer one forgets the statements of the last.</summary>
        public void Begin(long txnNumber)
        {
            if (txnNumber == _txnNumber) return;
            _txnNumber = txnNumber;
            _executed.Clear();
        }

        /// <summary>Whether statement <paramref name="statementId"/> was executed under this txnNumber; <paramref name="update"/> is an update's result.</summary>
        public bool Executed(int statementId, out UpdateResult? update)
        {
            update = null;
            return _executed.Count > 0 && _executed.TryGetValue(statementId, out update);
        }

        /// <summary>An insert, or a delete that removed its document, wrote its entry.</summary>
        public void RecordInsertOrDelete(int statementId) => _executed[statementId] = null;

        /// <summary>An update that modified or upserted its document wrote its entry.</summary>
        public void RecordUpdate(int statementId, UpdateResult result) => _executed[statementId] = result;

        public void Dispose() => _gate.Release();
    }
}
