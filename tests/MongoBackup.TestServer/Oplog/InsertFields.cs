using System.Buffers.Binary;
using MongoBackup.TestServer.Storage;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// The fields every insert's oplog form holds, in this order, written from the stored document's bytes:
/// op: "i", ns, ui, o: the document, o2: {_id} (its _id element copied from the document, which stores it first). The
/// plain insert entry (<see cref="InsertEntryEncoder"/>), a 7.0 retryable insert's entry (<see cref="RetryableInsertEncoder"/>)
/// and each operation of an 8.0 grouped entry (<see cref="GroupedInsertEncoder"/>) put their own fields around them.
/// A document of <see cref="SplicedDocumentMinBytes"/> or more is not copied: the entry is a template that leaves its
/// bytes out (every length still counting them) and refers to them (<see cref="SplicedDocument"/>).
/// </summary>
internal readonly ref struct InsertFields
{
    /// <summary>As <see cref="OplogEntryEncoder"/>: a document this large is spliced in by reference, a smaller one copied.</summary>
    public const int SplicedDocumentMinBytes = 256;

    private readonly ReadOnlySpan<byte> _ns;
    private readonly ReadOnlySpan<byte> _uuid;
    private readonly ReadOnlyMemory<byte> _document;
    private readonly int _idLength;

    private InsertFields(ReadOnlySpan<byte> ns, ReadOnlySpan<byte> uuid, ReadOnlyMemory<byte> document, int idLength)
    {
        _ns = ns;
        _uuid = uuid;
        _document = document;
        _idLength = idLength;
    }

    /// <summary>
    /// The fields of the insert of <paramref name="document"/> into <paramref name="ns"/> (UTF-8, without its terminator)
    /// whose UUID is <paramref name="uuid"/> (16 bytes); false, for the general path, when the _id is of a type
    /// <see cref="IdElementLength"/> does not size.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> ns, ReadOnlySpan<byte> uuid, ReadOnlyMemory<byte> document, out InsertFields fields)
    {
        var idLength = IdElementLength(document.Span);
        fields = idLength < 0 ? default : new InsertFields(ns, uuid, document, idLength);
        return idLength >= 0;
    }

    /// <summary>The fields' bytes, the document's included even when it is spliced.</summary>
    public int Size => 1 + 3 + 4 + 2 // op
        + 1 + 3 + 4 + _ns.Length + 1 // ns
        + 1 + 3 + 4 + 1 + 16 // ui
        + 1 + 2 + _document.Length // o
        + 1 + 3 + 4 + _idLength + 1; // o2

    /// <summary>The document is left out of the written bytes and spliced in when the entry is read.</summary>
    public bool IsSpliced => _document.Length >= SplicedDocumentMinBytes;

    /// <summary>The bytes the written template lacks: the document's when it is spliced, else none.</summary>
    public int SplicedBytes => IsSpliced ? _document.Length : 0;

    /// <summary>Writes the fields, the document left out when spliced; returns where the document is (or belongs).</summary>
    public int Write(ref BsonSpanWriter writer)
    {
        var document = _document.Span;
        writer.Name(0x02, "op"u8);
        writer.Int32(2);
        writer.Bytes("i\0"u8);
        writer.Name(0x02, "ns"u8);
        writer.Int32(_ns.Length + 1);
        writer.Bytes(_ns);
        writer.Byte(0);
        writer.Name(0x05, "ui"u8);
        writer.Int32(16);
        writer.Byte(0x04); // UUID subtype
        writer.Bytes(_uuid);
        writer.Name(0x03, "o"u8);
        var documentAt = writer.Position;
        if (!IsSpliced) writer.Bytes(document);
        writer.Name(0x03, "o2"u8);
        writer.Int32(4 + _idLength + 1);
        writer.Bytes(document.Slice(4, _idLength));
        writer.Byte(0);
        return documentAt;
    }

    /// <summary>The document spliced in at <paramref name="at"/> (what <see cref="Write"/> returned).</summary>
    public SplicedDocument Spliced(int at) => new(at, _document);

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
