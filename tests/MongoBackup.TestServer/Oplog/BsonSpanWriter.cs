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

    public void Name(byte type, ReadOnlySpan<byte> name)
    {
        Byte(type);
        Bytes(name);
        Byte(0);
    }

    public void Byte(byte value) => _bytes[Position++] = value;

    public void Bytes(ReadOnlySpan<byte> value)
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
}
