using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A document kept as the exact BSON bytes it arrived or is stored as: inserts store these bytes without
/// re-serializing, and cursor replies copy them without parsing. The bytes may be a view into a record slab.
/// </summary>
internal sealed class StoredBsonDocument : RawBsonDocument
{
    public StoredBsonDocument(ReadOnlyMemory<byte> bytes) : base(BufferOver(bytes)) => Bytes = bytes;

    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>True when the first field is _id, read from the bytes (RawBsonDocument's ElementCount walks them all).</summary>
    public bool StartsWithId
    {
        get
        {
            var bytes = Bytes.Span;
            return bytes.Length > 9 && bytes[4] != 0 && bytes[5] == (byte)'_' && bytes[6] == (byte)'i' && bytes[7] == (byte)'d' && bytes[8] == 0;
        }
    }

    /// <summary>
    /// The value of the first element (the _id, when <see cref="StartsWithId"/>), read straight from the bytes for the
    /// numeric and ObjectId types (a RawBsonDocument's element read builds a reader, its settings and its context), and
    /// through that read for the others.
    /// </summary>
    public BsonValue FirstValue()
    {
        var bytes = Bytes.Span;
        var nameEnd = bytes.Length > 5 ? bytes[5..].IndexOf((byte)0) : -1;
        if (nameEnd < 0) return GetElement(0).Value;
        var value = bytes[(5 + nameEnd + 1)..];
        return bytes[4] switch
        {
            0x10 when value.Length >= 4 => BsonInt32.Create(BinaryPrimitives.ReadInt32LittleEndian(value)),
            0x12 when value.Length >= 8 => BsonInt64.Create(BinaryPrimitives.ReadInt64LittleEndian(value)),
            0x01 when value.Length >= 8 => BsonDouble.Create(BinaryPrimitives.ReadDoubleLittleEndian(value)),
            0x07 when value.Length >= 12 => new BsonObjectId(new ObjectId(value[..12].ToArray())),
            _ => GetElement(0).Value,
        };
    }

    // A buffer of its own over the shared array: disposing a document then cannot disturb any other reader's view.
    private static IByteBuffer BufferOver(ReadOnlyMemory<byte> bytes)
    {
        if (!MemoryMarshal.TryGetArray(bytes, out var segment))
            throw new ArgumentException("stored documents are backed by arrays", nameof(bytes));
        var whole = new ByteArrayBuffer(segment.Array!, segment.Array!.Length, isReadOnly: true);
        return segment.Offset == 0 && segment.Count == segment.Array.Length ? whole : new ByteBufferSlice(whole, segment.Offset, segment.Count);
    }
}
