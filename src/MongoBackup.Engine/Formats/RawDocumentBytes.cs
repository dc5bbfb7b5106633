using MongoDB.Bson;

namespace MongoBackup.Engine.Formats;

/// <summary>The exact bytes of a raw document as the server sent them, without a deserialize round trip.</summary>
public static class RawDocumentBytes
{
    public static ValueTask WriteToAsync(RawBsonDocument document, ChunkedStreamWriter writer, CancellationToken ct) =>
        writer.WriteDocumentAsync(document, ct);

    public static int Length(RawBsonDocument document) => document.Slice.Length;
}
