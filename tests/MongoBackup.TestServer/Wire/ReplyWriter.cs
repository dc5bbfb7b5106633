using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Frames replies (OP_MSG, or OP_REPLY for legacy OP_QUERY). Reply documents may hold <see cref="RawBsonDocument"/>
/// values (cursor batches straight from storage); their bytes are copied as they are, without parsing.
/// </summary>
internal static class ReplyWriter
{
    private static int _nextRequestId;

    public static byte[] Frame(CommandRequest request, BsonDocument reply)
    {
        using var stream = new MemoryStream();
        stream.Write(new byte[RequestParser.HeaderLength]);
        if (request.IsLegacyQuery)
        {
            Span<byte> replyPrefix = stackalloc byte[20];
            BinaryPrimitives.WriteInt32LittleEndian(replyPrefix, 8); // AwaitCapable
            BinaryPrimitives.WriteInt64LittleEndian(replyPrefix[4..], 0); // cursorId
            BinaryPrimitives.WriteInt32LittleEndian(replyPrefix[12..], 0); // startingFrom
            BinaryPrimitives.WriteInt32LittleEndian(replyPrefix[16..], 1); // numberReturned
            stream.Write(replyPrefix);
        }
        else
        {
            stream.Write(new byte[5]); // flagBits 0, section kind 0
        }
        using (var writer = new BsonBinaryWriter(stream))
            WriteDocument(writer, reply);
        var bytes = stream.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes, bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Interlocked.Increment(ref _nextRequestId));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), request.RequestId);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), request.IsLegacyQuery ? OpCode.Reply : OpCode.Msg);
        return bytes;
    }

    private static void WriteDocument(IBsonWriter writer, BsonDocument document)
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

    private static void WriteValue(IBsonWriter writer, BsonValue value)
    {
        switch (value)
        {
            case BsonDocument document:
                WriteDocument(writer, document);
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
