using MongoBackup.TestServer.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// What the command body readers that keep documents as sent share (<see cref="ApplyOpsBodyReader"/>,
/// <see cref="InsertBodyReader"/>): a body read as the standard deserializer would, but for one array read by the caller,
/// and documents taken as views of the body's bytes.
/// </summary>
internal static class RawBodyReading
{
    /// <param name="body">The body's bytes, which must never change afterwards: documents taken raw view them.</param>
    /// <param name="arrayName">The top-level array <paramref name="readArray"/> reads (positioned on its value).</param>
    /// <param name="readArray">Reads the array; the reader's positions are those of <paramref name="body"/>'s array.</param>
    public static BsonDocument Read(ArraySegment<byte> body, string arrayName, Func<BsonBinaryReader, BsonDeserializationContext, BsonArray> readArray)
    {
        using var stream = new ByteBufferStream(new ByteArrayBuffer(body.Array!, body.Offset + body.Count, isReadOnly: true));
        stream.Position = body.Offset;
        using var reader = new BsonBinaryReader(stream);
        var context = BsonDeserializationContext.CreateRoot(reader);
        var read = new BsonDocument();
        reader.ReadStartDocument();
        while (reader.ReadBsonType() != BsonType.EndOfDocument)
        {
            var name = reader.ReadName();
            read.Add(name, name == arrayName && reader.CurrentBsonType == BsonType.Array ? readArray(reader, context) : ReadValue(context));
        }
        reader.ReadEndDocument();
        return read;
    }

    /// <summary>The document the reader is on, as a view of the bytes it reads (no parse, no copy).</summary>
    public static StoredBsonDocument RawDocument(BsonBinaryReader reader)
    {
        // Not disposed: the slice shares the reader's buffer.
        var slice = reader.ReadRawBsonDocument();
        var backing = slice.AccessBackingBytes(0);
        return new StoredBsonDocument(new ReadOnlyMemory<byte>(backing.Array, backing.Offset, slice.Length));
    }

    public static BsonValue ReadValue(BsonDeserializationContext context) => BsonValueSerializer.Instance.Deserialize(context);
}
