using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Where a write sends the oplog entry describing it: the real oplog, a transaction's buffer, or nowhere
/// (standalone). Entries arrive without ts/t/v/wall; the sink that commits them stamps those.
/// </summary>
internal interface IOplogSink
{
    void Write(BsonDocument entry);
}

/// <summary>A standalone server keeps no oplog.</summary>
internal sealed class DiscardingOplogSink : IOplogSink
{
    public static readonly DiscardingOplogSink Instance = new();
    public void Write(BsonDocument entry) { }
}
