using System.Collections.Concurrent;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// What a session's last retryable findAndModify wrote, for its retry: the oplog entry's op ("u", "d", or "i" for an upsert
/// that inserted), its ts, and for an insert the document (mongod reads these from the oplog entry that
/// config.transactions points to; write_ops_retryability.cpp, parseOplogEntryForFindAndModify). Kept in memory: this
/// server writes no config.transactions record for a retryable write.
/// </summary>
internal sealed class FindAndModifyRetries
{
    private readonly ConcurrentDictionary<string, Executed> _bySession = new(StringComparer.Ordinal);

    /// <summary>One executed findAndModify statement.</summary>
    public sealed record Executed(long TxnNumber, int StatementId, string Op, BsonTimestamp Ts, BsonDocument? Inserted);

    public void Record(BsonDocument lsid, Executed executed) => _bySession[lsid.ToJson()] = executed;

    /// <summary>The statement executed under this session's <paramref name="txnNumber"/>, or null.</summary>
    public Executed? Find(BsonDocument lsid, long txnNumber, int statementId) =>
        _bySession.TryGetValue(lsid.ToJson(), out var executed) && executed.TxnNumber == txnNumber && executed.StatementId == statementId ? executed : null;
}
