using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>commitTransaction and abortTransaction of multi-document transactions.</summary>
internal sealed class TransactionCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("commitTransaction", Commit);
        table.Add("abortTransaction", Abort);
    }

    private static BsonDocument Commit(CommandContext context)
    {
        var transaction = context.Server.Transactions.ForCommand(context.Body)
            ?? throw CommandFailure.InvalidOptions("commitTransaction must be run within a transaction (autocommit: false)");
        transaction.Commit(context.Server.OplogSink);
        return new BsonDocument();
    }

    private static BsonDocument Abort(CommandContext context)
    {
        var transaction = context.Server.Transactions.ForCommand(context.Body)
            ?? throw CommandFailure.InvalidOptions("abortTransaction must be run within a transaction (autocommit: false)");
        if (transaction.IsCommitted)
            throw new CommandFailure(256, "TransactionCommitted", "Transaction has been committed");
        transaction.Abort();
        context.Server.Transactions.Forget(transaction);
        return new BsonDocument();
    }
}
