using System.Text;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes a retryable write's grouped inserts (see <see cref="RetryableWriteLog"/>) straight from the stored documents'
/// bytes, as <see cref="InsertEntryEncoder"/> writes a single insert: {lsid, txnNumber, op: "c", ns: "admin.$cmd",
/// o: {applyOps: [{op: "i", ns, ui, o, o2: {_id}, stmtId}, ...]}, ts, t: 1, v: 2, wall, prevOpTime, multiOpType: 1},
/// field for field what <see cref="OplogEntryEncoder"/> writes for the same document. Documents of
/// <see cref="InsertEntryEncoder.SplicedDocumentMinBytes"/> or more are not copied: the entry is a template around them
/// (see <see cref="SplicedDocument"/>). Returns false (the caller takes the general path) when a document's _id is of a
/// type <see cref="InsertEntryEncoder.IdElementLength"/> does not size.
/// </summary>
internal static class GroupedInsertEncoder
{
    public readonly record struct Insert(Collection Collection, ReadOnlyMemory<byte> Document, int StatementId);

    public static bool TryEncode(byte[] lsid, long txnNumber, IReadOnlyList<Insert> inserts, byte[] prevOpTime, out EncodedOplogEntry entry)
    {
        entry = default;
        var idLengths = new int[inserts.Count];
        var namespaces = new Namespaces();
        var operationsSize = 4 + 1;
        var splicedCount = 0;
        var splicedBytes = 0;
        for (var i = 0; i < inserts.Count; i++)
        {
            var document = inserts[i].Document;
            idLengths[i] = InsertEntryEncoder.IdElementLength(document.Span);
            if (idLengths[i] < 0) return false;
            operationsSize += 1 + Digits(i) + 1 + OperationSize(document.Length, namespaces.Of(inserts[i].Collection).Length, idLengths[i]);
            if (!IsSpliced(document)) continue;
            splicedCount++;
            splicedBytes += document.Length;
        }
        var size = 4
            + 1 + 5 + lsid.Length // lsid
            + 1 + 10 + 8 // txnNumber
            + 1 + 3 + 4 + 2 // op
            + 1 + 3 + 4 + 11 // ns: "admin.$cmd"
            + 1 + 2 + 4 + 1 + 9 + operationsSize + 1 // o: {applyOps: [...]}
            + BsonSpanWriter.TimeFieldsBytes // ts, t, v, wall
            + 1 + 11 + prevOpTime.Length // prevOpTime
            + 1 + 12 + 4 // multiOpType
            + 1;
        var bytes = new byte[size - splicedBytes];
        var spliced = splicedCount == 0 ? null : new SplicedDocument[splicedCount];
        splicedCount = 0;
        var writer = new BsonSpanWriter(bytes);
        writer.Int32(size);
        writer.Name(0x03, "lsid"u8);
        writer.Bytes(lsid);
        writer.Name(0x12, "txnNumber"u8);
        writer.Int64(txnNumber);
        writer.Name(0x02, "op"u8);
        writer.Int32(2);
        writer.Bytes("c\0"u8);
        writer.Name(0x02, "ns"u8);
        writer.Int32(11);
        writer.Bytes("admin.$cmd\0"u8);
        writer.Name(0x03, "o"u8);
        writer.Int32(4 + 1 + 9 + operationsSize + 1);
        writer.Name(0x04, "applyOps"u8);
        writer.Int32(operationsSize);
        Span<byte> digits = stackalloc byte[10];
        for (var i = 0; i < inserts.Count; i++)
        {
            i.TryFormat(digits, out var digitCount, provider: System.Globalization.CultureInfo.InvariantCulture);
            writer.Name(0x03, digits[..digitCount]);
            var document = inserts[i].Document;
            var documentAt = WriteOperation(ref writer, inserts[i], namespaces.Of(inserts[i].Collection), idLengths[i]);
            if (IsSpliced(document)) spliced![splicedCount++] = new SplicedDocument(documentAt, document);
        }
        writer.Byte(0);
        writer.Byte(0);
        var (tsOffset, wallOffset) = writer.TimeFields();
        writer.Name(0x03, "prevOpTime"u8);
        writer.Bytes(prevOpTime);
        writer.Name(0x10, "multiOpType"u8);
        writer.Int32(1);
        writer.Byte(0);
        if (writer.Position != bytes.Length) throw new InvalidOperationException($"grouped insert entry sized {bytes.Length} bytes but {writer.Position} were written");
        entry = new EncodedOplogEntry(bytes, tsOffset, wallOffset, spliced);
        return true;
    }

    private static bool IsSpliced(ReadOnlyMemory<byte> document) => document.Length >= InsertEntryEncoder.SplicedDocumentMinBytes;

    /// <summary>{op: "i", ns, ui, o, o2: {_id}, stmtId}.</summary>
    private static int OperationSize(int documentLength, int nsLength, int idLength) => 4
        + 1 + 3 + 4 + 2
        + 1 + 3 + 4 + nsLength + 1
        + 1 + 3 + 4 + 1 + 16
        + 1 + 2 + documentLength
        + 1 + 3 + 4 + idLength + 1
        + 1 + 7 + 4
        + 1;

    /// <summary>Writes the operation, its document left out when spliced; returns where the document belongs.</summary>
    private static int WriteOperation(ref BsonSpanWriter writer, Insert insert, byte[] ns, int idLength)
    {
        var document = insert.Document.Span;
        writer.Int32(OperationSize(document.Length, ns.Length, idLength));
        writer.Name(0x02, "op"u8);
        writer.Int32(2);
        writer.Bytes("i\0"u8);
        writer.Name(0x02, "ns"u8);
        writer.Int32(ns.Length + 1);
        writer.Bytes(ns);
        writer.Byte(0);
        writer.Name(0x05, "ui"u8);
        writer.Int32(16);
        writer.Byte(0x04); // UUID subtype
        writer.Bytes(insert.Collection.UuidValue.Bytes);
        writer.Name(0x03, "o"u8);
        var documentAt = writer.Position;
        if (!IsSpliced(insert.Document)) writer.Bytes(document);
        writer.Name(0x03, "o2"u8);
        writer.Int32(4 + idLength + 1);
        writer.Bytes(document.Slice(4, idLength));
        writer.Byte(0);
        writer.Name(0x10, "stmtId"u8);
        writer.Int32(insert.StatementId);
        writer.Byte(0);
        return documentAt;
    }

    /// <summary>The UTF-8 namespace of each collection of a group (one, in practice), encoded once.</summary>
    private struct Namespaces
    {
        private Collection? _collection;
        private byte[]? _bytes;

        public byte[] Of(Collection collection)
        {
            if (!ReferenceEquals(collection, _collection)) (_collection, _bytes) = (collection, Encoding.UTF8.GetBytes(collection.Namespace));
            return _bytes!;
        }
    }

    private static int Digits(int index) => index < 10 ? 1 : (int)Math.Floor(Math.Log10(index)) + 1;

    /// <summary>A document's BSON bytes (the lsid, the prevOpTime optime).</summary>
    public static byte[] BytesOf(BsonDocument document) => BsonBytes.Of(document).ToArray();
}
