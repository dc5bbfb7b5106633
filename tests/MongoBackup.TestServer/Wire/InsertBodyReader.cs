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

    /// <param name="bytes">The body's bytes, which must never change afterwards: the documents view them.</param>
    public static BsonDocument Read(byte[] bytes) => RawBodyReading.Read(bytes, "documents", ReadDocuments);

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
