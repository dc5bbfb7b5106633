using System.Buffers.Binary;
using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoBackup.TestServer.Storage;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// Turns a received frame into a <see cref="CommandRequest"/>: OP_MSG (section 0 body plus section 1 document
/// sequences merged in as arrays; trailing CRC skipped) and legacy OP_QUERY on "db.$cmd" used by old handshakes.
/// </summary>
internal static class RequestParser
{
    public const int HeaderLength = 16;

    /// <param name="payload">The frame after its header.</param>
    /// <param name="owned">
    /// True when <paramref name="payload"/>'s array is this request's own and never changes afterwards: inserted documents
    /// and insert and applyOps bodies are then kept as views of it instead of copies (a restore's batches are megabytes).
    /// </param>
    public static CommandRequest Parse(int requestId, int opCode, ArraySegment<byte> payload, bool owned) => opCode switch
    {
        OpCode.Msg => ParseMsg(requestId, payload, owned),
        OpCode.Query => ParseQuery(requestId, payload.AsSpan()),
        _ => throw new MalformedMessageException($"unsupported opcode {opCode}"),
    };

    private static CommandRequest ParseMsg(int requestId, ArraySegment<byte> frame, bool owned)
    {
        var payload = frame.AsSpan();
        if (payload.Length < 5) throw new MalformedMessageException("OP_MSG too short for flags and a section");
        var flags = (MessageFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload);
        var end = payload.Length - ((flags & MessageFlags.ChecksumPresent) != 0 ? 4 : 0);
        if (RefusedDocument(payload, end) is { } refusal) return Refused(requestId, flags, refusal);
        var position = 4;
        BsonDocument? body = null;
        Dictionary<string, MisnamedMember>? misnamed = null;
        var sequences = new List<(string Name, BsonArray Documents)>();
        while (position < end)
        {
            var kind = payload[position++];
            if (kind == 0)
            {
                if (body != null) throw new MalformedMessageException("OP_MSG has two body sections");
                if (DuplicateField(payload, position, end) is { } duplicate) return Refused(requestId, flags, duplicate);
                misnamed = MisnamedMembers(payload, position, end);
                body = owned ? ReadOwnedDocument(frame, ref position, end) : ReadDocument(payload, ref position, end);
            }
            else if (kind == 1)
            {
                var sectionStart = position;
                var size = ReadInt32(payload, position, end);
                var sectionEnd = sectionStart + size;
                if (size < 5 || sectionEnd > end) throw new MalformedMessageException($"document sequence size {size} is out of bounds");
                position += 4;
                var nameEnd = payload[position..sectionEnd].IndexOf((byte)0);
                if (nameEnd < 0) throw new MalformedMessageException("document sequence identifier is not terminated");
                var name = Encoding.UTF8.GetString(payload.Slice(position, nameEnd));
                // op_msg.cpp refuses a second sequence of one name (40431) rather than take either.
                if (sequences.Exists(s => s.Name == name))
                    return Refused(requestId, flags, new CommandFailure(40431, "Location40431", $"Duplicate document sequence: {name}"));
                position += nameEnd + 1;
                var documents = new BsonArray();
                if (name == "documents")
                {
                    // Inserted documents stay raw, views into the payload or one copy of the whole sequence: storage keeps
                    // their bytes as sent (the common restore path) and the batch stays one array, not one per document.
                    var sequence = owned ? frame.Slice(position, sectionEnd - position) : Copy(payload[position..sectionEnd]);
                    var offset = sequence.Offset;
                    while (offset < sequence.Offset + sequence.Count) documents.Add(ReadRawDocument(sequence, ref offset));
                    position = sectionEnd;
                }
                else
                {
                    while (position < sectionEnd) documents.Add(ReadDocument(payload, ref position, sectionEnd));
                }
                sequences.Add((name, documents));
            }
            else
            {
                throw new MalformedMessageException($"unknown OP_MSG section kind {kind}");
            }
        }
        if (body == null) throw new MalformedMessageException("OP_MSG has no body section");
        foreach (var (name, documents) in sequences)
        {
            // OpMsg::parse (src/mongo/rpc/op_msg.cpp) refuses a sequence that repeats a field of the body before any
            // command parser sees either.
            if (body.Contains(name))
                return Refused(requestId, flags, new CommandFailure(40433, "Location40433", $"Duplicate field between body and document sequence {name}"));
            body[name] = documents;
        }
        var database = body.TryGetValue("$db", out var db) && db.IsString ? db.AsString
            : throw new MalformedMessageException("OP_MSG body has no $db");
        return new CommandRequest(requestId, body, database, false, (flags & MessageFlags.MoreToCome) != 0) { MisnamedArrayMembers = misnamed };
    }

    /// <summary>
    /// The refusal of a body (checked by <see cref="RefusedDocument"/>) that names a field twice: mongod's IDL parser
    /// answers 40413 naming the field under the command; the body cannot be deserialized to answer it later.
    /// </summary>
    private static CommandFailure? DuplicateField(ReadOnlySpan<byte> payload, int position, int end)
    {
        var length = ReadInt32(payload, position, end);
        if (length < 5 || position + length > end) return null; // the read names it
        if (BodyFieldNames.Duplicate(payload.Slice(position, length)) is not var (command, name)) return null;
        return new CommandFailure(40413, "Location40413", $"BSON field '{command}.{name}' is a duplicate field");
    }

    private static Dictionary<string, MisnamedMember>? MisnamedMembers(ReadOnlySpan<byte> payload, int position, int end)
    {
        var length = ReadInt32(payload, position, end);
        return length < 5 || position + length > end ? null : BodyFieldNames.MisnamedArrayMembers(payload.Slice(position, length));
    }

    private static CommandRequest Refused(int requestId, MessageFlags flags, CommandFailure refusal) =>
        new(requestId, new BsonDocument(), "admin", false, (flags & MessageFlags.MoreToCome) != 0) { Refusal = refusal };

    /// <summary>
    /// The refusal of the first document (body or sequence member) over the size limit or not valid BSON
    /// (<see cref="WireObjectCheck"/>), if any. Lengths that do not fit the message are left to the parse, which names them.
    /// </summary>
    private static CommandFailure? RefusedDocument(ReadOnlySpan<byte> payload, int end)
    {
        var position = 4;
        while (position < end)
        {
            var kind = payload[position++];
            if (kind == 0)
            {
                var length = ReadInt32(payload, position, end);
                if (Refusal(payload, position, end, length, "the command body") is { } refusal) return refusal;
                position += Math.Max(length, 5);
            }
            else if (kind == 1)
            {
                var sectionEnd = Math.Min(position + ReadInt32(payload, position, end), end);
                var nameEnd = position + 4 <= end ? payload[(position + 4)..end].IndexOf((byte)0) : -1;
                if (nameEnd < 0) return null; // the parse names the malformed section
                var name = Encoding.UTF8.GetString(payload.Slice(position + 4, nameEnd));
                var documents = position + 4 + nameEnd + 1;
                for (var index = 0; documents + 4 <= sectionEnd; index++)
                {
                    var length = ReadInt32(payload, documents, end);
                    if (Refusal(payload, documents, sectionEnd, length, $"document {index} of '{name}'") is { } refusal) return refusal;
                    documents += Math.Max(length, 5);
                }
                position = Math.Max(sectionEnd, position + 5);
            }
            else
            {
                return null; // the parse names the malformed section
            }
        }
        return null;
    }

    private static CommandFailure? Refusal(ReadOnlySpan<byte> payload, int position, int end, int length, string what)
    {
        if (length > BsonObjectSize.MaxInternal) return BsonObjectSize.TooLarge(payload[position..end], length);
        if (length < 5 || length > end - position) return null; // the parse names it
        return WireObjectCheck.Check(payload.Slice(position, length), what);
    }

    private static CommandRequest ParseQuery(int requestId, ReadOnlySpan<byte> payload)
    {
        var position = 4; // flags
        var nameEnd = payload[position..].IndexOf((byte)0);
        if (nameEnd < 0) throw new MalformedMessageException("OP_QUERY collection name is not terminated");
        var fullName = Encoding.UTF8.GetString(payload.Slice(position, nameEnd));
        position += nameEnd + 1 + 8; // numberToSkip, numberToReturn
        if (!fullName.EndsWith(".$cmd", StringComparison.Ordinal))
            throw new MalformedMessageException($"legacy OP_QUERY is only served on <db>.$cmd, not '{fullName}'");
        var queryLength = ReadInt32(payload, position, payload.Length);
        if (Refusal(payload, position, payload.Length, queryLength, "the query") is { } refusal)
            return new CommandRequest(requestId, new BsonDocument(), "admin", true, false) { Refusal = refusal };
        if (DuplicateField(payload, position, payload.Length) is { } duplicate)
            return new CommandRequest(requestId, new BsonDocument(), "admin", true, false) { Refusal = duplicate };
        var misnamed = MisnamedMembers(payload, position, payload.Length);
        var query = ReadDocument(payload, ref position, payload.Length);
        if (query.TryGetValue("$query", out var wrapped) && wrapped is BsonDocument inner) query = inner;
        var database = fullName[..^".$cmd".Length];
        return new CommandRequest(requestId, query, database, true, false) { MisnamedArrayMembers = misnamed };
    }

    private static BsonDocument ReadDocument(ReadOnlySpan<byte> payload, ref int position, int end)
    {
        var length = ReadInt32(payload, position, end);
        if (length < 5 || position + length > end) throw new MalformedMessageException($"BSON document length {length} is out of bounds");
        var bytes = Copy(payload.Slice(position, length));
        position += length;
        return ReadBody(bytes);
    }

    // Uninitialized: the copy writes every byte (a restore's body is megabytes, which the runtime would first zero).
    private static byte[] Copy(ReadOnlySpan<byte> bytes)
    {
        var copy = GC.AllocateUninitializedArray<byte>(bytes.Length);
        bytes.CopyTo(copy);
        return copy;
    }

    /// <summary>As <see cref="ReadDocument"/> for a document of an owned payload, which insert and applyOps bodies view.</summary>
    private static BsonDocument ReadOwnedDocument(ArraySegment<byte> payload, ref int position, int end)
    {
        var length = ReadInt32(payload.AsSpan(), position, end);
        if (length < 5 || position + length > end) throw new MalformedMessageException($"BSON document length {length} is out of bounds");
        var body = payload.Slice(position, length);
        position += length;
        return ReadBody(body);
    }

    /// <param name="body">The body's bytes, which insert and applyOps bodies keep (as views): they must never change.</param>
    private static BsonDocument ReadBody(ArraySegment<byte> body)
    {
        try
        {
            if (ApplyOpsBodyReader.Recognizes(body.AsSpan())) return ApplyOpsBodyReader.Read(body);
            if (InsertBodyReader.Recognizes(body.AsSpan())) return InsertBodyReader.Read(body);
            using var stream = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false);
            return BsonSerializer.Deserialize<BsonDocument>(stream);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or BsonSerializationException)
        {
            throw new MalformedMessageException("invalid BSON document: " + e.Message);
        }
    }

    private static BsonDocument ReadRawDocument(ArraySegment<byte> sequence, ref int position)
    {
        var end = sequence.Offset + sequence.Count;
        var bytes = sequence.Array!;
        var length = ReadInt32(bytes, position, end);
        if (length < 5 || position + length > end || bytes[position + length - 1] != 0)
            throw new MalformedMessageException($"BSON document length {length} is out of bounds");
        var document = new StoredBsonDocument(bytes.AsMemory(position, length));
        position += length;
        return document;
    }

    private static int ReadInt32(ReadOnlySpan<byte> payload, int position, int end)
    {
        if (position + 4 > end) throw new MalformedMessageException("message ends inside a length field");
        return BinaryPrimitives.ReadInt32LittleEndian(payload[position..]);
    }
}
