using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoBackup.TestServer.Storage;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Frames replies (OP_MSG, or OP_REPLY for legacy OP_QUERY). Reply documents may hold <see cref="RawBsonDocument"/>
/// values (cursor batches straight from storage); their bytes are copied as they are, without parsing.
/// </summary>
internal static class ReplyWriter
{
    private static int _nextRequestId;

    /// <summary>The framed reply; only the first <c>length</c> bytes of the returned buffer are the message.</summary>
    public static (byte[] Buffer, int Length) Frame(CommandRequest request, BsonDocument reply)
    {
        // Sized up front from the raw documents a cursor batch carries, so big batches are not copied while growing.
        using var stream = new MemoryStream(RawBytesIn(reply) + 4096);
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
            BsonBytes.WriteDocument(writer, reply);
        var bytes = stream.GetBuffer();
        var length = (int)stream.Length;
        BinaryPrimitives.WriteInt32LittleEndian(bytes, length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Interlocked.Increment(ref _nextRequestId));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), request.RequestId);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), request.IsLegacyQuery ? OpCode.Reply : OpCode.Msg);
        return (bytes, length);
    }

    private static int RawBytesIn(BsonDocument reply)
    {
        if (!reply.TryGetValue("cursor", out var cursor) || cursor is not BsonDocument cursorDocument) return 0;
        var total = 0L;
        foreach (var element in cursorDocument)
            if (element.Value is BsonArray batch)
                foreach (var item in batch)
                    if (item is RawBsonDocument raw) total += raw.Slice.Length + 8;
        return (int)Math.Min(total, 64 * 1024 * 1024);
    }
}
