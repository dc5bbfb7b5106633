using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>The transactions the router has open, by session id: which shards take part and which of them wrote.</summary>
internal sealed class RouterTransactions
{
    private readonly Dictionary<BsonValue, RouterTransaction> _bySession = new(BsonValueOrder.Instance);

    /// <summary>The transaction of a command sent with autocommit: false, started when it says startTransaction with a new txnNumber.</summary>
    public RouterTransaction Of(CommandContext context)
    {
        var (session, txnNumber) = KeyOf(context);
        if (_bySession.TryGetValue(session, out var current) && current.TxnNumber == txnNumber) return current;
        if (context.BoolArgument("startTransaction"))
            return _bySession[session] = new RouterTransaction(txnNumber);
        throw CommandFailure.NoSuchTransaction($"Transaction with {{ txnNumber: {txnNumber} }} has been aborted.");
    }

    public void End(CommandContext context) => _bySession.Remove(KeyOf(context).Session);

    private static (BsonValue Session, long TxnNumber) KeyOf(CommandContext context)
    {
        if (context.Body.GetValue("lsid", BsonNull.Value) is not BsonDocument lsid || !context.Body.TryGetValue("txnNumber", out var txnNumber))
            throw CommandFailure.InvalidOptions("a transaction needs lsid and txnNumber");
        return (lsid["id"], txnNumber.ToInt64());
    }
}

/// <summary>One transaction through the router: its participants in the order they joined, and those it wrote on.</summary>
internal sealed class RouterTransaction(long txnNumber)
{
    private readonly List<string> _participants = new();
    private readonly HashSet<string> _writers = new();

    public long TxnNumber { get; } = txnNumber;
    public IReadOnlyList<string> Participants => _participants;
    public bool WroteOn(string shard) => _writers.Contains(shard);

    /// <summary>Adds a participant; true when it is new (its first command then carries startTransaction).</summary>
    public bool Join(string shard)
    {
        if (_participants.Contains(shard)) return false;
        _participants.Add(shard);
        return true;
    }

    public void MarkWrite(string shard) => _writers.Add(shard);
}
