using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.Engine.Dump;

/// <summary>The exact bytes of a raw document as the server sent them, without a deserialize round trip.</summary>
public static class RawDocumentBytes
{
    /// <summary>Writes each backing segment of the document's buffer slice; most documents are one segment.</summary>
    public static async ValueTask WriteToAsync(RawBsonDocument document, ChunkedStreamWriter writer, CancellationToken ct)
    {
        var slice = document.Slice;
        var position = 0;
        while (position < slice.Length)
        {
            var segment = slice.AccessBackingBytes(position);
            var count = Math.Min(segment.Count, slice.Length - position);
            await writer.WriteAsync(segment.AsMemory(0, count), ct);
            position += count;
        }
    }

    public static int Length(RawBsonDocument document) => document.Slice.Length;
}
