using MongoBackup.TestServer.Cursors;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>Builds {cursor: {firstBatch|nextBatch, id, ns}} replies and keeps unfinished cursors registered.</summary>
internal static class CursorReplies
{
    public const int DefaultFirstBatchSize = 101;

    public static BsonDocument First(CommandContext context, ServerCursor cursor, int batchSize, bool singleBatch = false)
    {
        // batchSize 0 asks for an empty first batch and an open cursor (the driver does this for aggregations).
        var batch = batchSize == 0 ? new List<BsonDocument>() : cursor.NextBatch(batchSize);
        long id = 0;
        if (!cursor.IsExhausted && !singleBatch) id = context.Server.Cursors.Register(cursor);
        return Reply("firstBatch", batch, id, cursor.Namespace);
    }

    public static BsonDocument Reply(string batchName, List<BsonDocument> batch, long id, string ns) =>
        new("cursor", new BsonDocument { { batchName, new BsonArray(batch) }, { "id", id }, { "ns", ns } });

    /// <summary>cursor: {batchSize: n} of aggregate and the listing commands; absent = 101.</summary>
    public static int BatchSizeOf(CommandContext context)
    {
        var cursor = context.DocumentArgument("cursor");
        return cursor.TryGetValue("batchSize", out var size) && size.IsNumeric ? checked((int)size.ToInt64()) : DefaultFirstBatchSize;
    }
}
