using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Serializes documents that may hold <see cref="RawBsonDocument"/> or <see cref="RawBsonArray"/> values (kept as the
/// bytes a client sent). Their bytes are copied as they are; the stock serializer would not write them as documents, and
/// would renumber an array's keys.
/// </summary>
internal static class BsonBytes
{
    public static ReadOnlyMemory<byte> Of(BsonDocument document)
    {
        if (document is StoredBsonDocument stored) return stored.Bytes;
        using var stream = new MemoryStream();
        using (var writer = new BsonBinaryWriter(stream))
            WriteDocument(writer, document);
        return stream.ToArray();
    }

    public static void WriteDocument(IBsonWriter writer, BsonDocument document)
    {
        if (document is RawBsonDocument raw)
        {
            writer.WriteRawBsonDocument(raw.Slice);
            return;
        }
        writer.WriteStartDocument();
        foreach (var element in document)
        {
            writer.WriteName(element.Name);
            WriteValue(writer, element.Value);
        }
        writer.WriteEndDocument();
    }

    public static void WriteValue(IBsonWriter writer, BsonValue value)
    {
        switch (value)
        {
            case BsonDocument document:
                WriteDocument(writer, document);
                break;
            case RawBsonArray raw:
                // As it came, keys and all: MongoDB copies a stored document's elements (insert.cpp, fixDocumentForInsert).
                writer.WriteRawBsonArray(raw.Slice);
                break;
            case BsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteValue(writer, item);
                writer.WriteEndArray();
                break;
            default:
                BsonValueSerializer.Instance.Serialize(BsonSerializationContext.CreateRoot(writer), value);
                break;
        }
    }
}
