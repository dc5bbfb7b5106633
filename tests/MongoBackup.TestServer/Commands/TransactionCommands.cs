using MongoBackup.TestServer.Sessions;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// commitTransaction, abortTransaction and prepareTransaction of multi-document transactions, with the checks and
/// messages of txn_cmds.cpp, txn_two_phase_commit_cmds.cpp and transaction_participant.cpp.
/// </summary>
internal sealed class TransactionCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("commitTransaction", Commit);
        table.Add("abortTransaction", Abort);
        table.Add("prepareTransaction", Prepare);
    }

    private static Transaction Require(CommandContext context) =>
        context.Server.Transactions.ForCommand(context.Body, context.Connection)
        ?? throw CommandFailure.InvalidOptions($"{context.CommandName} must be run within a transaction (autocommit: false)");

    private static BsonDocument Commit(CommandContext context)
    {
        var transaction = Require(context);
        var log = context.Server.TransactionLog;
        var commitTimestamp = context.Body.GetValue("commitTimestamp", BsonNull.Value);
        switch (transaction.State)
        {
            case TransactionState.Committed:
                return new BsonDocument(); // a retried commit succeeds again
            case TransactionState.Prepared:
                if (commitTimestamp.IsBsonNull)
                    throw CommandFailure.InvalidOptions("commitTransaction must provide commitTimestamp to prepared transaction.");
                var timestamp = commitTimestamp.AsBsonTimestamp;
                if (timestamp.Value == 0) throw CommandFailure.InvalidOptions("'commitTimestamp' cannot be null");
                if (timestamp.CompareTo(transaction.PrepareTimestamp!) < 0)
                    throw CommandFailure.InvalidOptions("'commitTimestamp' must be greater than or equal to 'prepareTimestamp'");
                log.CommitPrepared(transaction, timestamp);
                transaction.MarkCommitted();
                return new BsonDocument();
            default:
                if (!commitTimestamp.IsBsonNull)
                    throw CommandFailure.InvalidOptions("commitTransaction cannot provide commitTimestamp to unprepared transaction.");
                log.CommitUnprepared(transaction);
                transaction.MarkCommitted();
                return new BsonDocument();
        }
    }

    private static BsonDocument Abort(CommandContext context)
    {
        var transaction = Require(context);
        if (transaction.State == TransactionState.Committed)
            throw new CommandFailure(256, "TransactionCommitted", "Transaction has been committed");
        if (transaction.State == TransactionState.Prepared) context.Server.TransactionLog.AbortPrepared(transaction);
        transaction.Abort();
        context.Server.Transactions.Forget(transaction);
        return new BsonDocument();
    }

    /// <summary>
    /// prepareTransaction is for shards (a member started as one runs it for the router's two-phase commit); a replica set
    /// primary that is not one refuses it unless test commands are
    /// enabled (txn_two_phase_commit_cmds.cpp: ShardingState::canAcceptShardedCommands), as jstests run it. It is
    /// admin-only and needs the internal action, which no user of this server's roles holds.
    /// </summary>
    private static BsonDocument Prepare(CommandContext context)
    {
        if (!context.Server.Parameters.EnableTestCommands && context.Server.Options.ClusterRole != ClusterRole.ShardServer)
            throw new CommandFailure(203, "NoShardingEnabled", "Cannot accept sharding commands if not started with --shardsvr");
        if (context.Database != "admin")
            throw CommandFailure.Unauthorized("prepareTransaction may only be run against the admin database.");
        if (context.Server.AuthEnabled && !context.Connection.IsInternal) throw CommandFailure.Unauthorized("Unauthorized");
        var transaction = context.Server.Transactions.ForCommand(context.Body, context.Connection)
            ?? throw new CommandFailure(125, "CommandFailed", "prepareTransaction must be run within a transaction");
        if (transaction.State == TransactionState.Prepared)
            return new BsonDocument("prepareTimestamp", transaction.PrepareTimestamp);
        if (transaction.State != TransactionState.InProgress)
            throw CommandFailure.NoSuchTransaction("Transaction isn't in progress");
        // MongoDB 7.0 does not prepare a transaction that changed the catalog (featureFlagCreateCollectionInPreparedTransactions
        // is off); the code is its OperationNotSupportedInTransaction, the wording this server's own.
        if (transaction.ChangedCatalog)
            throw new CommandFailure(263, "OperationNotSupportedInTransaction",
                "Cannot prepare a transaction that created collections or indexes (not supported before featureFlagCreateCollectionInPreparedTransactions)");
        BsonDocument prepareOpTime;
        try
        {
            prepareOpTime = context.Server.TransactionLog.Prepare(transaction);
        }
        catch (CommandFailure)
        {
            transaction.Abort();
            throw;
        }
        transaction.MarkPrepared(prepareOpTime);
        return new BsonDocument("prepareTimestamp", prepareOpTime["ts"]);
    }
}
