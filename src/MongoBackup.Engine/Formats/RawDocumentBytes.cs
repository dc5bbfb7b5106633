using MongoDB.Bson;

namespace MongoBackup.Engine.Formats;

/// <summary>The exact bytes of a raw document as the server sent them, without a deserialize round trip.</summary>
public static class RawDocumentBytes
{
    /// <summary>Appends the document's bytes, exactly as received, to <paramref name="writer"/>.</summary>
    public static ValueTask WriteToAsync(RawBsonDocument document, ChunkedStreamWriter writer, CancellationToken ct) =>
        writer.WriteDocumentAsync(document, ct);

    /// <summary>The document's size in bytes of raw BSON (its int32 length prefix included).</summary>
    public static int Length(RawBsonDocument document) => document.Slice.Length;
}
