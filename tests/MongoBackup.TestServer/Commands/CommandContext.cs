using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>One command being run: its body and database, the connection it came on, and the shared server state.</summary>
internal sealed class CommandContext
{
    public CommandContext(ServerState server, ConnectionState connection, BsonDocument body, string database)
    {
        Server = server;
        Connection = connection;
        Body = body;
        Database = database;
    }

    public ServerState Server { get; }
    public ConnectionState Connection { get; }
    public BsonDocument Body { get; }
    public string Database { get; }
    public string CommandName => Body.GetElement(0).Name;
    public BsonValue CommandValue => Body[0];

    private WriteContext? _writes;

    /// <summary>
    /// Where this command's writes go: its transaction, or straight to storage and the oplog. Resolved once per command,
    /// because resolving a startTransaction command starts the transaction.
    /// </summary>
    public WriteContext Writes => _writes ??= Server.Transactions.ForCommand(Body, Connection)?.Context ?? Server.PlainWrites;

    /// <summary>The transaction the command runs in (null outside transactions): what it reads, it reads as that transaction sees it.</summary>
    public Sessions.Transaction? Transaction => Writes.Owner;

    /// <summary>The collection name given as the command's value ({find: "c"}).</summary>
    public string CollectionName()
    {
        var value = CommandValue;
        if (!value.IsString)
            throw CommandFailure.InvalidNamespace($"collection name has invalid type {value.BsonType}");
        return value.AsString;
    }

    public BsonDocument DocumentArgument(string name, BsonDocument? fallback = null)
    {
        if (!Body.TryGetValue(name, out var value) || value.IsBsonNull)
            return fallback ?? new BsonDocument();
        if (value is not BsonDocument document)
            throw CommandFailure.TypeMismatch($"BSON field '{CommandName}.{name}' is the wrong type '{value.BsonType}', expected type 'object'");
        return document;
    }

    public long LongArgument(string name, long fallback = 0)
    {
        if (!Body.TryGetValue(name, out var value) || value.IsBsonNull) return fallback;
        if (!value.IsNumeric) throw CommandFailure.TypeMismatch($"BSON field '{CommandName}.{name}' must be a number, not {value.BsonType}");
        return value.ToInt64();
    }

    public bool BoolArgument(string name, bool fallback = false) =>
        Body.TryGetValue(name, out var value) && !value.IsBsonNull ? value.ToBoolean() : fallback;
}
