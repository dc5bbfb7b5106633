using System.Security.Cryptography;
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

    /// <summary>The SHA-256 of the document's bytes as received: what tells one oplog entry from another of the same timestamp.</summary>
    public static byte[] Sha256(RawBsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var bytes = new byte[document.Slice.Length];
        document.Slice.GetBytes(0, bytes, 0, bytes.Length);
        return SHA256.HashData(bytes);
    }
}
