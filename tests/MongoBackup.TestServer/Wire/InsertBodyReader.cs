using System.Buffers.Binary;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Reads an insert command body whose documents are an array in the body itself (the command's documented form, which
/// runCommand and clients building the command send) as the standard deserializer would, except that each document
/// stays as the bytes that were sent (a <see cref="Storage.StoredBsonDocument"/> viewing the body), exactly as documents sent in
/// an OP_MSG document sequence do (<see cref="RequestParser"/>). mongod treats the two forms alike: its insert parser
/// (write_ops::InsertCommandRequest, generated from write_ops.idl) takes "documents" from the body or from a sequence
/// as views of the received BSON, so neither costs a parse per document.
/// </summary>
internal static class InsertBodyReader
{
    /// <summary>True when the body's first element is the string "insert".</summary>
    public static bool Recognizes(ReadOnlySpan<byte> body) =>
        body.Length > 12 && body[4] == (byte)BsonType.String && body.Slice(5, 7).SequenceEqual("insert\0"u8);

    /// <param name="body">The body's bytes, which must never change afterwards: the documents view them.</param>
    public static BsonDocument Read(ArraySegment<byte> body) =>
        RawBodyReading.Read(body, "documents", (reader, context) => ScanDocuments(body, reader) ?? ReadDocuments(reader, context));

    /// <summary>
    /// The array the reader is on, when every member is a document, cut straight from the bytes (each member's type, name
    /// and length, as a sequence's members are cut) and skipped by the reader; null, the reader not moved, otherwise. A
    /// restore's batch is megabytes of documents: read through the reader, each would cost a slice and a state machine.
    /// The body was checked as BSON before it is read (<see cref="WireObjectCheck"/>), so the lengths are its own.
    /// </summary>
    private static BsonArray? ScanDocuments(ArraySegment<byte> body, BsonBinaryReader reader)
    {
        var bytes = body.Array!;
        var bodyEnd = body.Offset + body.Count;
        var start = (int)reader.BaseStream.Position;
        if (start + 5 > bodyEnd) return null;
        var end = start + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(start)) - 1; // the array's terminator
        if (end < start + 4 || end >= bodyEnd) return null;
        var documents = new BsonArray();
        var position = start + 4;
        while (position < end)
        {
            if (bytes[position++] != (byte)BsonType.Document) return null; // refused member by member by the insert
            var nameEnd = Array.IndexOf(bytes, (byte)0, position, end - position);
            if (nameEnd < 0 || nameEnd + 5 > end) return null;
            position = nameEnd + 1;
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position));
            if (length < 5 || length > end - position) return null;
            documents.Add(new StoredBsonDocument(bytes.AsMemory(position, length)));
            position += length;
        }
        reader.SkipValue();
        return documents;
    }

    private static BsonArray ReadDocuments(BsonBinaryReader reader, BsonDeserializationContext context)
    {
        var documents = new BsonArray();
        reader.ReadStartArray();
        while (reader.ReadBsonType() != BsonType.EndOfDocument)
        {
            // A member that is not a document is refused by the insert itself, as any is.
            documents.Add(reader.CurrentBsonType == BsonType.Document ? RawBodyReading.RawDocument(reader) : RawBodyReading.ReadValue(context));
        }
        reader.ReadEndArray();
        return documents;
    }
}
