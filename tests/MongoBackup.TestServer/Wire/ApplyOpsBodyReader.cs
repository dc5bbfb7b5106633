using MongoBackup.TestServer.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Reads an applyOps command body as the standard deserializer would, except that each entry's "o" document stays as
/// the bytes that were sent (a <see cref="StoredBsonDocument"/> viewing the body's array): an oplog replay is mostly
/// inserts of whole documents, which are then stored without being parsed and serialized again.
/// </summary>
internal static class ApplyOpsBodyReader
{
    private const string CommandName = "applyOps";

    /// <summary>True when the body's first element is the applyOps array.</summary>
    public static bool Recognizes(ReadOnlySpan<byte> body) =>
        body.Length > 5 + CommandName.Length && body[4] == (byte)BsonType.Array && body.Slice(5, CommandName.Length + 1).SequenceEqual("applyOps\0"u8);

    /// <param name="bytes">The body's bytes, which must never change afterwards: entries' "o" documents view them.</param>
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
            body.Add(name, name == CommandName && reader.CurrentBsonType == BsonType.Array ? ReadEntries(reader, context) : ReadValue(context));
        }
        reader.ReadEndDocument();
        return body;
    }

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
            if (name == "o" && reader.CurrentBsonType == BsonType.Document)
            {
                // Not disposed: the slice shares the reader's buffer.
                var slice = reader.ReadRawBsonDocument();
                var backing = slice.AccessBackingBytes(0);
                entry.Add(name, new StoredBsonDocument(new ReadOnlyMemory<byte>(backing.Array, backing.Offset, slice.Length)));
            }
            else
            {
                entry.Add(name, ReadValue(context));
            }
        }
        reader.ReadEndDocument();
        return entry;
    }

    private static BsonValue ReadValue(BsonDeserializationContext context) => BsonValueSerializer.Instance.Deserialize(context);
}
