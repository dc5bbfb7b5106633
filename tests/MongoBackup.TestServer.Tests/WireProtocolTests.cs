using System.Buffers.Binary;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Frames written by hand: legacy OP_QUERY handshakes, OP_MSG document sequences, checksums and moreToCome. Runs against
/// MONGOBACKUP_TEST_URI when set (on a plain socket to its primary, with no authentication).
/// </summary>
public class WireProtocolTests : ServerTestBase
{
    internal static byte[] Header(int length, int requestId, int opCode)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), requestId);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), opCode);
        return header;
    }

    internal static byte[] OpMsg(int requestId, uint flags, BsonDocument body, (string Name, BsonDocument[] Docs)? sequence = null, bool checksum = false)
    {
        var payload = new MemoryStream();
        payload.Write(BitConverter.GetBytes(flags));
        payload.WriteByte(0);
        payload.Write(body.ToBson());
        if (sequence is { } seq)
        {
            var docs = seq.Docs.SelectMany(d => d.ToBson()).ToArray();
            var name = Encoding.UTF8.GetBytes(seq.Name + "\0");
            payload.WriteByte(1);
            payload.Write(BitConverter.GetBytes(4 + name.Length + docs.Length));
            payload.Write(name);
            payload.Write(docs);
        }
        var bytes = payload.ToArray();
        var message = Header(16 + bytes.Length + (checksum ? 4 : 0), requestId, 2013).Concat(bytes).ToArray();
        return checksum ? message.Concat(BitConverter.GetBytes(Crc32C(message))).ToArray() : message;
    }

    /// <summary>CRC-32C (Castagnoli) of the whole message before it, as OP_MSG's checksum is (MongoDB's wire protocol docs).</summary>
    internal static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = uint.MaxValue;
        foreach (var b in bytes) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    [Fact]
    public void Crc32C_is_the_castagnoli_checksum() => Assert.Equal(0xE3069283u, Crc32C("123456789"u8)); // RFC 3720 check value

    internal static (int ResponseTo, int OpCode, BsonDocument Body) ReadReply(NetworkStream stream)
    {
        var header = new byte[16];
        stream.ReadExactly(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var rest = new byte[length - 16];
        stream.ReadExactly(rest);
        var opCode = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        var bodyStart = opCode == 1 ? 20 : 5;
        return (BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8)), opCode, BsonSerializer.Deserialize<BsonDocument>(rest.AsSpan(bodyStart).ToArray()));
    }

    [Fact]
    public void Legacy_op_query_handshake_gets_an_op_reply()
    {
        var primary = Target.PrimaryEndPoint();
        using var client = new TcpClient(primary.Host, primary.Port);
        var stream = client.GetStream();
        var query = new MemoryStream();
        query.Write(new byte[4]);
        query.Write(Encoding.UTF8.GetBytes("admin.$cmd\0"));
        query.Write(BitConverter.GetBytes(0));
        query.Write(BitConverter.GetBytes(-1));
        query.Write(new BsonDocument { { "isMaster", 1 }, { "helloOk", true } }.ToBson());
        var bytes = query.ToArray();
        stream.Write(Header(16 + bytes.Length, 77, 2004).Concat(bytes).ToArray());
        var (responseTo, opCode, body) = ReadReply(stream);
        Assert.Equal(77, responseTo);
        Assert.Equal(1, opCode);
        Assert.True(body["ismaster"].AsBoolean);
        Assert.True(body["helloOk"].AsBoolean);
    }

    [Fact]
    public void Document_sequences_checksums_and_moreToCome_are_honoured()
    {
        var primary = Target.PrimaryEndPoint();
        var db = Target.NewDatabaseName("wire");
        using var client = new TcpClient(primary.Host, primary.Port);
        var stream = client.GetStream();
        // moreToCome: the server applies the insert and sends nothing back.
        stream.Write(OpMsg(1, 2, new BsonDocument { { "insert", "c" }, { "$db", db } },
            ("documents", new[] { new BsonDocument("_id", 1), new BsonDocument("_id", 2) })));
        stream.Write(OpMsg(2, 1, new BsonDocument { { "count", "c" }, { "$db", db } }, checksum: true));
        var (responseTo, opCode, body) = ReadReply(stream);
        Assert.Equal(2, responseTo); // the first reply answers the second request: the first got none
        Assert.Equal(2013, opCode);
        Assert.Equal(2, body["n"].ToInt32());
    }

    /// <summary>
    /// A field named twice in one command, once in the body and once as a document sequence, or two sequences of one
    /// name, is refused as mongod refuses it, never with one of the two taken quietly: op_msg.cpp refuses a repeated
    /// sequence (40431, "Duplicate document sequence") and a sequence duplicating a body field (40433), both in
    /// OpMsg::parse, before the insert's own parser runs. Nothing is inserted.
    /// </summary>
    [Fact]
    public void A_field_given_both_in_the_body_and_as_a_document_sequence_or_two_sequences_of_one_name_is_refused()
    {
        var primary = Target.PrimaryEndPoint();
        var db = Target.NewDatabaseName("wiredup");
        using var client = new TcpClient(primary.Host, primary.Port);
        var stream = client.GetStream();

        stream.Write(OpMsg(1, 0, new BsonDocument { { "insert", "c" }, { "documents", new BsonArray { new BsonDocument("_id", 1) } }, { "$db", db } },
            ("documents", new[] { new BsonDocument("_id", 2) })));
        var (_, _, duplicated) = ReadReply(stream);
        Assert.Equal(0.0, duplicated["ok"].ToDouble());
        Assert.Equal(40433, duplicated["code"].ToInt32());
        Assert.Equal("Duplicate field between body and document sequence documents", duplicated["errmsg"].AsString);

        var twice = OpMsg(2, 0, new BsonDocument { { "insert", "c" }, { "$db", db } }, ("documents", new[] { new BsonDocument("_id", 3) }));
        var again = OpMsg(2, 0, new BsonDocument("x", 1), ("documents", new[] { new BsonDocument("_id", 4) }));
        var section = again.AsSpan(16 + 4 + 1 + new BsonDocument("x", 1).ToBson().Length).ToArray(); // the second frame's sequence section
        var frame = twice.Concat(section).ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length);
        stream.Write(frame);
        var (_, _, repeated) = ReadReply(stream);
        Assert.Equal(0.0, repeated["ok"].ToDouble());
        Assert.Equal(40431, repeated["code"].ToInt32());
        Assert.Contains("Duplicate document sequence: documents", repeated["errmsg"].AsString);

        stream.Write(OpMsg(3, 0, new BsonDocument { { "count", "c" }, { "$db", db } }));
        Assert.Equal(0, ReadReply(stream).Body["n"].ToInt32());
    }
}
