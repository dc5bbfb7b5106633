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

    // A buffer of its own over the shared array: disposing a document then cannot disturb any other reader's view.
    private static IByteBuffer BufferOver(ReadOnlyMemory<byte> bytes)
    {
        if (!MemoryMarshal.TryGetArray(bytes, out var segment))
            throw new ArgumentException("stored documents are backed by arrays", nameof(bytes));
        var whole = new ByteArrayBuffer(segment.Array!, segment.Array!.Length, isReadOnly: true);
        return segment.Offset == 0 && segment.Count == segment.Array.Length ? whole : new ByteBufferSlice(whole, segment.Offset, segment.Count);
    }
}
