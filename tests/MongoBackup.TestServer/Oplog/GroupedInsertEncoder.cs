using System.Text;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes a retryable write's grouped inserts (see <see cref="RetryableWriteLog"/>) straight from the stored documents'
/// bytes, as <see cref="InsertEntryEncoder"/> writes a single insert: {lsid, txnNumber, op: "c", ns: "admin.$cmd",
/// o: {applyOps: [{op: "i", ns, ui, o, o2: {_id}, stmtId}, ...]}, ts, t: 1, v: 2, wall, prevOpTime, multiOpType: 1},
/// field for field what <see cref="OplogEntryEncoder"/> writes for the same document. Returns false (the caller takes
/// the general path) when a document's _id is of a type <see cref="InsertEntryEncoder.IdElementLength"/> does not size.
/// </summary>
internal static class GroupedInsertEncoder
{
    public readonly record struct Insert(Collection Collection, ReadOnlyMemory<byte> Document, int StatementId);

    public static bool TryEncode(byte[] lsid, long txnNumber, IReadOnlyList<Insert> inserts, byte[] prevOpTime, out EncodedOplogEntry entry)
    {
        entry = default;
        var idLengths = new int[inserts.Count];
        var operationsSize = 4 + 1;
        for (var i = 0; i < inserts.Count; i++)
        {
            idLengths[i] = InsertEntryEncoder.IdElementLength(inserts[i].Document.Span);
            if (idLengths[i] < 0) return false;
            operationsSize += 1 + Digits(i) + 1 + OperationSize(inserts[i], idLengths[i]);
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
        var bytes = new byte[size];
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
        for (var i = 0; i < inserts.Count; i++)
        {
            writer.Name(0x03, Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            WriteOperation(ref writer, inserts[i], idLengths[i]);
        }
        writer.Byte(0);
        writer.Byte(0);
        var (tsOffset, wallOffset) = writer.TimeFields();
        writer.Name(0x03, "prevOpTime"u8);
        writer.Bytes(prevOpTime);
        writer.Name(0x10, "multiOpType"u8);
        writer.Int32(1);
        writer.Byte(0);
        if (writer.Position != size) throw new InvalidOperationException($"grouped insert entry sized {size} bytes but {writer.Position} were written");
        entry = new EncodedOplogEntry(bytes, tsOffset, wallOffset, default, -1);
        return true;
    }

    /// <summary>{op: "i", ns, ui, o, o2: {_id}, stmtId}.</summary>
    private static int OperationSize(Insert insert, int idLength) => 4
        + 1 + 3 + 4 + 2
        + 1 + 3 + 4 + Encoding.UTF8.GetByteCount(insert.Collection.Namespace) + 1
        + 1 + 3 + 4 + 1 + 16
        + 1 + 2 + insert.Document.Length
        + 1 + 3 + 4 + idLength + 1
        + 1 + 7 + 4
        + 1;

    private static void WriteOperation(ref BsonSpanWriter writer, Insert insert, int idLength)
    {
        var document = insert.Document.Span;
        writer.Int32(OperationSize(insert, idLength));
        writer.Name(0x02, "op"u8);
        writer.Int32(2);
        writer.Bytes("i\0"u8);
        var ns = Encoding.UTF8.GetBytes(insert.Collection.Namespace);
        writer.Name(0x02, "ns"u8);
        writer.Int32(ns.Length + 1);
        writer.Bytes(ns);
        writer.Byte(0);
        writer.Name(0x05, "ui"u8);
        writer.Int32(16);
        writer.Byte(0x04); // UUID subtype
        writer.Bytes(insert.Collection.UuidValue.Bytes);
        writer.Name(0x03, "o"u8);
        writer.Bytes(document);
        writer.Name(0x03, "o2"u8);
        writer.Int32(4 + idLength + 1);
        writer.Bytes(document.Slice(4, idLength));
        writer.Byte(0);
        writer.Name(0x10, "stmtId"u8);
        writer.Int32(insert.StatementId);
        writer.Byte(0);
    }

    private static int Digits(int index) => index < 10 ? 1 : (int)Math.Floor(Math.Log10(index)) + 1;

    /// <summary>A document's BSON bytes (the lsid, the prevOpTime optime).</summary>
    public static byte[] BytesOf(BsonDocument document) => BsonBytes.Of(document).ToArray();
}
