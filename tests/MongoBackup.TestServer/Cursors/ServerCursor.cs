using MongoDB.Bson;

namespace MongoBackup.TestServer.Cursors;

/// <summary>
/// A server-side cursor: produces batches of documents (raw where possible) until exhausted. Reads happen under the
/// data lock, so a cursor may keep positions (record ids) between batches while other clients write.
/// </summary>
internal abstract class ServerCursor
{
    /// <summary>MongoDB caps one batch near the maximum BSON document size.</summary>
    public const int MaxBatchBytes = 16 * 1024 * 1024 - 16 * 1024;

    protected ServerCursor(string ns) => Namespace = ns;

    public long Id { get; set; }
    public string Namespace { get; }
    public bool IsTailable { get; init; }
    public bool IsAwaitData { get; init; }
    public bool IsExhausted { get; protected set; }

    /// <summary>The next documents, at most <paramref name="batchSize"/> (0 = no count limit) and about 16 MB.</summary>
    public abstract List<BsonDocument> NextBatch(int batchSize);

    protected static int SizeOf(BsonDocument document) => document is RawBsonDocument raw ? raw.Slice.Length : Storage.BsonBytes.Of(document).Length;
}
