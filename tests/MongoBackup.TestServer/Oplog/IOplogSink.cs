using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Where a write sends the oplog entry describing it: the real oplog, a transaction's buffer, or nowhere
/// (standalone). Entries arrive without ts/t/v/wall; the sink that commits them stamps those.
/// </summary>
internal interface IOplogSink
{
    void Write(BsonDocument entry);

    /// <summary>
    /// The entry of a plain insert of <paramref name="document"/> (stored bytes that never change, _id first) into
    /// <paramref name="collection"/>. Sinks that keep entries as documents take the general form; the oplog writes it
    /// straight from the bytes.
    /// </summary>
    void WriteInsert(Collection collection, ReadOnlyMemory<byte> document) => Write(InsertEntry(collection, document));

    static BsonDocument InsertEntry(Collection collection, ReadOnlyMemory<byte> document)
    {
        var stored = new StoredBsonDocument(document);
        return new BsonDocument
        {
            { "op", "i" }, { "ns", collection.Namespace }, { "ui", collection.UuidValue }, { "o", stored },
            { "o2", DocumentKey.Of(collection, stored) },
        };
    }
}

/// <summary>A standalone server keeps no oplog.</summary>
internal sealed class DiscardingOplogSink : IOplogSink
{
    public static readonly DiscardingOplogSink Instance = new();
    public void Write(BsonDocument entry) { }
}
