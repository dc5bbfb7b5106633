using MongoBackup.TestServer.Sessions;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// What a write statement does when it meets a record an open transaction owns (<see cref="WriteConflict"/>), as
/// MongoDB does it (https://www.mongodb.com/docs/manual/core/transactions-production-consideration/, "In-progress
/// Transactions and Write Conflicts"): in a transaction, the statement fails with WriteConflict (112, labelled
/// TransientTransactionError) and its transaction is aborted; outside transactions, the write waits until the owner
/// commits or aborts and then runs again, seeing its outcome. A transaction open longer than MongoDB's
/// transactionLifetimeLimitSeconds (60 by default) is aborted, as the server's transaction reaper aborts it. A statement
/// checks every record it will write before writing any (<see cref="CheckAll"/>), so running it again repeats nothing.
/// </summary>
internal static class WriteConflictRetry
{
    private static readonly TimeSpan TransactionLifetime = TimeSpan.FromSeconds(60);

    public static T Run<T>(CommandContext context, Func<T> statement) => Run(context, statement, static run => run());

    /// <summary>As <see cref="Run{T}(CommandContext, Func{T})"/> with the statement's <paramref name="state"/> passed in (a static statement allocates nothing).</summary>
    public static TResult Run<TState, TResult>(CommandContext context, TState state, Func<TState, TResult> statement)
    {
        while (true)
        {
            try
            {
                return statement(state);
            }
            catch (WriteConflict conflict)
            {
                if (context.Transaction is { } own)
                {
                    own.Abort();
                    context.Server.Transactions.Forget(own);
                    conflict.AbortedTransaction = true;
                    throw; // the command fails, not the statement alone: see CommandDispatcher
                }
                WaitForEnd(context, conflict.Owner);
            }
        }
    }

    /// <summary>Throws <see cref="WriteConflict"/> when any of the records belongs to another open transaction.</summary>
    public static void CheckAll(CommandContext context, Collection collection, IEnumerable<(long RecordId, BsonDocument Document)> targets)
    {
        if (collection.Uncommitted.IsEmpty) return;
        foreach (var (recordId, _) in targets) context.Writes.CheckWritable(collection, recordId);
    }

    /// <summary>The reply's error: a transaction's statement gets the label that tells a driver to retry the transaction.</summary>
    public static CommandFailure Failure(WriteConflict conflict) => new(112, "WriteConflict", WriteConflict.Text)
    {
        ExtraInfo = conflict.AbortedTransaction ? new BsonDocument("errorLabels", new BsonArray { "TransientTransactionError" }) : null,
    };

    private static void WaitForEnd(CommandContext context, Transaction owner)
    {
        var dataLock = context.Server.Catalog.Lock;
        var deadline = DateTime.UtcNow + TransactionLifetime;
        while (true)
        {
            var seen = dataLock.WriteVersion;
            if (owner.State != TransactionState.InProgress) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                owner.Abort();
                return;
            }
            dataLock.WaitForWrite(seen, left);
        }
    }
}
