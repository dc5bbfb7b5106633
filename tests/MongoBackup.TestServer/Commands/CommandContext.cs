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
    /// Where this command's writes go: its transaction, a retryable write's entries (<see cref="RetryableWrite"/>), or
    /// straight to storage and the oplog. Resolved once per command, because resolving a startTransaction command starts
    /// the transaction.
    /// </summary>
    public WriteContext Writes => _writes ??= Server.Transactions.ForCommand(Body, Connection)?.Context
        ?? (RetryableWrite is { } retryable ? new WriteContext(retryable) : Server.PlainWrites);

    private Oplog.RetryableWriteLog? _retryable;

    /// <summary>
    /// For a write command sent with lsid and txnNumber outside a transaction (a retryable write), on a replica set: the
    /// log that gives its oplog entries the session and statement fields; null otherwise.
    /// </summary>
    public Oplog.RetryableWriteLog? RetryableWrite
    {
        get
        {
            if (_retryable != null || RetryableWriteSession() is not { } lsid) return _retryable;
            var txnNumber = Body["txnNumber"];
            Server.Transactions.RequireCurrent(lsid, txnNumber.ToInt64(), inTransaction: false);
            Session?.Begin(txnNumber.ToInt64());
            return _retryable = new Oplog.RetryableWriteLog(Server.Oplog!, Sessions.LogicalSessionId.Complete(lsid, Connection), txnNumber.ToInt64(), Server.Catalog,
                Server.Options.Version.GroupsVectoredInserts);
        }
    }

    /// <summary>
    /// The lsid of a retryable write (insert, update, delete or findAndModify sent with lsid and txnNumber outside a
    /// transaction, on a replica set); null for any other command.
    /// </summary>
    public BsonDocument? RetryableWriteSession()
    {
        if (Server.Oplog == null || Body.Contains("autocommit")) return null;
        if (CommandName is not ("insert" or "update" or "delete" or "findAndModify" or "findandmodify")) return null;
        return Body.GetValue("lsid", BsonNull.Value) is BsonDocument lsid && Body.Contains("txnNumber") ? lsid : null;
    }

    /// <summary>
    /// The session a retryable write checked out for the time it runs (set by the dispatcher before it takes the data
    /// lock): the statements it already executed under this txnNumber, which a retry skips.
    /// </summary>
    public Sessions.RetryableWriteSessions.CheckedOutSession? Session { get; set; }

    /// <summary>The stmtId of statement <paramref name="index"/> of a write command: given by stmtIds or from stmtId on, else its index.</summary>
    public int StatementId(int index) =>
        Body.GetValue("stmtIds", BsonNull.Value) is BsonArray ids && index < ids.Count ? ids[index].ToInt32()
        : Body.GetValue("stmtId", BsonNull.Value) is { IsNumeric: true } first ? first.ToInt32() + index
        : index;

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
            throw CommandFailure.TypeMismatch($"BSON field '{CommandName}.{name}' is the wrong type '{Query.BsonTypeNames.AliasOf(value.BsonType)}', expected type 'object'");
        return document;
    }

    public long LongArgument(string name, long fallback = 0)
    {
        if (!Body.TryGetValue(name, out var value) || value.IsBsonNull) return fallback;
        // As IDL's safeInt64 refuses another type (idl_parser.cpp, throwBadType).
        if (!value.IsNumeric)
            throw CommandFailure.TypeMismatch(
                $"BSON field '{CommandName}.{name}' is the wrong type '{Query.BsonTypeNames.AliasOf(value.BsonType)}', expected types '[long, int, decimal, double']");
        return value.ToInt64();
    }

    public bool BoolArgument(string name, bool fallback = false) =>
        Body.TryGetValue(name, out var value) && !value.IsBsonNull ? value.ToBoolean() : fallback;
}
