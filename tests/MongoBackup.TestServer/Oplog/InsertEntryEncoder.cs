using System.Buffers.Binary;
using System.Text;
using MongoBackup.TestServer.Storage;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes the oplog entry of a plain insert straight from the stored document's bytes, without building and serializing
/// a BsonDocument: {op: "i", ns, ui, o: document, o2: {_id}, ts, t: 1, v: 2, wall}, byte for byte what
/// <see cref="OplogEntryEncoder"/> writes for the same entry. The _id element is copied from the document, which stores
/// it first. Returns false (the caller then takes the general path) for an _id whose type it does not size.
/// </summary>
internal static class InsertEntryEncoder
{
    /// <summary>As <see cref="OplogEntryEncoder"/>: a document this large is spliced in by reference, a smaller one copied.</summary>
    public const int SplicedDocumentMinBytes = 256;

    public static bool TryEncode(string ns, ReadOnlySpan<byte> uuid, ReadOnlyMemory<byte> document, out EncodedOplogEntry entry)
    {
        entry = default;
        var documentBytes = document.Span;
        var idLength = IdElementLength(documentBytes);
        if (idLength < 0) return false;
        var splice = documentBytes.Length >= SplicedDocumentMinBytes;
        var nsLength = Encoding.UTF8.GetByteCount(ns);
        var size = 4
            + 1 + 3 + 4 + 2 // op
            + 1 + 3 + 4 + nsLength + 1 // ns
            + 1 + 3 + 4 + 1 + 16 // ui
            + 1 + 2 + documentBytes.Length // o
            + 1 + 3 + 4 + idLength + 1 // o2
            + BsonSpanWriter.TimeFieldsBytes // ts, t, v, wall
            + 1;
        var bytes = new byte[splice ? size - documentBytes.Length : size];
        var writer = new BsonSpanWriter(bytes);
        writer.Int32(size);
        writer.Name(0x02, "op"u8);
        writer.Int32(2);
        writer.Bytes("i\0"u8);
        writer.Name(0x02, "ns"u8);
        writer.Int32(nsLength + 1);
        writer.Position += Encoding.UTF8.GetBytes(ns, bytes.AsSpan(writer.Position));
        writer.Byte(0);
        writer.Name(0x05, "ui"u8);
        writer.Int32(16);
        writer.Byte(0x04); // UUID subtype
        writer.Bytes(uuid);
        writer.Name(0x03, "o"u8);
        var documentOffset = writer.Position;
        if (!splice) writer.Bytes(documentBytes);
        writer.Name(0x03, "o2"u8);
        writer.Int32(4 + idLength + 1);
        writer.Bytes(documentBytes.Slice(4, idLength));
        writer.Byte(0);
        var (tsOffset, wallOffset) = writer.TimeFields();
        writer.Byte(0);
        if (writer.Position != bytes.Length) throw new InvalidOperationException($"insert oplog entry sized {bytes.Length} bytes but {writer.Position} were written");
        entry = new EncodedOplogEntry(bytes, tsOffset, wallOffset, splice ? [new SplicedDocument(documentOffset, document)] : null);
        return true;
    }

    /// <summary>The length of the document's first element when it is _id of a fixed-layout type; otherwise -1.</summary>
    internal static int IdElementLength(ReadOnlySpan<byte> document)
    {
        const int nameEnd = 4 + 1 + 4; // type byte, "_id\0"
        if (document.Length < nameEnd + 1 || !document.Slice(5, 4).SequenceEqual("_id\0"u8)) return -1;
        var value = document[nameEnd..];
        int valueLength = document[4] switch
        {
            0x01 or 0x09 or 0x11 or 0x12 => 8, // double, date, timestamp, int64
            0x07 => 12, // ObjectId
            0x08 => 1, // boolean
            0x0A or 0x7F or 0xFF => 0, // null, MaxKey, MinKey
            0x10 => 4, // int32
            0x13 => 16, // decimal128
            0x02 when value.Length >= 4 => 4 + BinaryPrimitives.ReadInt32LittleEndian(value), // string
            0x03 when value.Length >= 4 => BinaryPrimitives.ReadInt32LittleEndian(value), // embedded document
            0x05 when value.Length >= 4 => 4 + 1 + BinaryPrimitives.ReadInt32LittleEndian(value), // binary
            _ => -1,
        };
        if (valueLength < 0 || nameEnd + valueLength > document.Length - 1) return -1;
        return 1 + 4 + valueLength;
    }
}
