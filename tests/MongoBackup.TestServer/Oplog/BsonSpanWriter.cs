using System.Buffers.Binary;

namespace MongoBackup.TestServer.Oplog;

/// <summary>Writes BSON into a buffer sized beforehand: element names, bytes, little-endian integers.</summary>
internal ref struct BsonSpanWriter
{
    private readonly Span<byte> _bytes;
    public int Position;

    public BsonSpanWriter(Span<byte> bytes)
    {
        _bytes = bytes;
        Position = 0;
    }

    public void Name(byte type, scoped ReadOnlySpan<byte> name)
    {
        Byte(type);
        Bytes(name);
        Byte(0);
    }

    public void Byte(byte value) => _bytes[Position++] = value;

    public void Bytes(scoped ReadOnlySpan<byte> value)
    {
        value.CopyTo(_bytes[Position..]);
        Position += value.Length;
    }

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_bytes[Position..], value);
        Position += 4;
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_bytes[Position..], value);
        Position += 8;
    }

    /// <summary>
    /// ts, t: 1, v: 2 and wall, as every oplog entry ends (before prevOpTime); ts and wall are left 0 for
    /// <see cref="EncodedOplogEntry.Stamp"/>, at the offsets returned. Size: <see cref="TimeFieldsBytes"/>.
    /// </summary>
    public (int Ts, int Wall) TimeFields()
    {
        Name(0x11, "ts"u8);
        var ts = Position;
        Int64(0);
        Name(0x12, "t"u8);
        Int64(1);
        Name(0x12, "v"u8);
        Int64(2);
        Name(0x09, "wall"u8);
        var wall = Position;
        Int64(0);
        return (ts, wall);
    }

    /// <summary>The bytes <see cref="TimeFields"/> writes.</summary>
    public const int TimeFieldsBytes = 1 + 3 + 8 + 1 + 2 + 8 + 1 + 2 + 8 + 1 + 5 + 8;

    /// <summary>An optime document {ts, t} (t an int64), as prevOpTime holds it. Size: <see cref="OpTimeBytes"/>.</summary>
    public void OpTime(OpTime opTime)
    {
        Int32(OpTimeBytes);
        Name(0x11, "ts"u8);
        Int64(opTime.Ts.Value);
        Name(0x12, "t"u8);
        Int64(opTime.Term);
        Byte(0);
    }

    /// <summary>The bytes <see cref="OpTime"/> writes.</summary>
    public const int OpTimeBytes = 4 + 1 + 3 + 8 + 1 + 2 + 8 + 1;

    /// <summary>Throws (a bug of the encoder, not of its input) unless exactly the buffer's bytes were written.</summary>
    public readonly void CheckFilled(string what)
    {
        if (Position != _bytes.Length) throw new InvalidOperationException($"{what} sized {_bytes.Length} bytes but {Position} were written");
    }
}
