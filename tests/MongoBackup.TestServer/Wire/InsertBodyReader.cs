using MongoBackup.TestServer.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Reads an insert command body whose documents are an array in the body itself (the command's documented form, which
/// runCommand and clients building the command send) as the standard deserializer would, except that each document
/// stays as the bytes that were sent (a <see cref="StoredBsonDocument"/> viewing the body), exactly as documents sent in
/// an OP_MSG document sequence do (<see cref="RequestParser"/>). mongod treats the two forms alike: its insert parser
/// (write_ops::InsertCommandRequest, generated from write_ops.idl) takes "documents" from the body or from a sequence
/// as views of the received BSON, so neither costs a parse per document.
/// </summary>
internal static class InsertBodyReader
{
    /// <summary>True when the body's first element is the string "insert".</summary>
    public static bool Recognizes(ReadOnlySpan<byte> body) =>
        body.Length > 12 && body[4] == (byte)BsonType.String && body.Slice(5, 7).SequenceEqual("insert\0"u8);

    /// <param name="bytes">The body's bytes, which must never change afterwards: the documents view them.</param>
    public static BsonDocument Read(byte[] bytes)
    {
        using var stream = new ByteBufferStream(new ByteArrayBuffer(bytes, bytes.Length, isReadOnly: true));
        using var reader = new BsonBinaryReader(stream);
        var context = BsonDeserializationContext.CreateRoot(reader);
        var body = new BsonDocument();
        reader.ReadStartDocument();
        while (reader.ReadBsonType() != BsonType.EndOfDocument)
        {
            var name = reader.ReadName();
            body.Add(name, name == "documents" && reader.CurrentBsonType == BsonType.Array ? ReadDocuments(reader, context) : ReadValue(context));
        }
        reader.ReadEndDocument();
        return body;
    }

    private static BsonArray ReadDocuments(BsonBinaryReader reader, BsonDeserializationContext context)
    {
        var documents = new BsonArray();
        reader.ReadStartArray();
        while (reader.ReadBsonType() != BsonType.EndOfDocument)
        {
            if (reader.CurrentBsonType != BsonType.Document)
            {
                documents.Add(ReadValue(context)); // refused by the insert itself, as any non-document is
                continue;
            }
            // Not disposed: the slice shares the reader's buffer.
            var slice = reader.ReadRawBsonDocument();
            var backing = slice.AccessBackingBytes(0);
            documents.Add(new StoredBsonDocument(new ReadOnlyMemory<byte>(backing.Array, backing.Offset, slice.Length)));
        }
        reader.ReadEndArray();
        return documents;
    }

    private static BsonValue ReadValue(BsonDeserializationContext context) => BsonValueSerializer.Instance.Deserialize(context);
}
