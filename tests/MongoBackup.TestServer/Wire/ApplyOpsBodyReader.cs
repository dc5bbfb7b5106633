using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Reads an applyOps command body as the standard deserializer would, except that each entry's "o" document stays as
/// the bytes that were sent (a <see cref="Storage.StoredBsonDocument"/> viewing the body's array): an oplog replay is mostly
/// inserts of whole documents, which are then stored without being parsed and serialized again.
/// </summary>
internal static class ApplyOpsBodyReader
{
    private const string CommandName = "applyOps";

    /// <summary>True when the body's first element is the applyOps array.</summary>
    public static bool Recognizes(ReadOnlySpan<byte> body) =>
        body.Length > 5 + CommandName.Length && body[4] == (byte)BsonType.Array && body.Slice(5, CommandName.Length + 1).SequenceEqual("applyOps\0"u8);

    /// <param name="body">The body's bytes, which must never change afterwards: entries' "o" documents view them.</param>
    public static BsonDocument Read(ArraySegment<byte> body) => RawBodyReading.Read(body, CommandName, ReadEntries);

    private static BsonArray ReadEntries(BsonBinaryReader reader, BsonDeserializationContext context)
    {
        var entries = new BsonArray();
        reader.ReadStartArray();
        while (reader.ReadBsonType() != BsonType.EndOfDocument)
        {
            entries.Add(reader.CurrentBsonType == BsonType.Document ? ReadEntry(reader, context) : ReadValue(context));
        }
        reader.ReadEndArray();
        return entries;
    }

    private static BsonDocument ReadEntry(BsonBinaryReader reader, BsonDeserializationContext context)
    {
        var entry = new BsonDocument();
        reader.ReadStartDocument();
        while (reader.ReadBsonType() != BsonType.EndOfDocument)
        {
            var name = reader.ReadName();
            entry.Add(name, name == "o" && reader.CurrentBsonType == BsonType.Document ? RawBodyReading.RawDocument(reader) : ReadValue(context));
        }
        reader.ReadEndDocument();
        return entry;
    }

    private static BsonValue ReadValue(BsonDeserializationContext context) => RawBodyReading.ReadValue(context);
}
