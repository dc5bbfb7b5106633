using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes a retryable write's grouped inserts (see <see cref="RetryableWriteLog"/>) straight from the stored documents'
/// bytes, as <see cref="InsertEntryEncoder"/> writes a single insert: {lsid, txnNumber, op: "c", ns: "admin.$cmd",
/// o: {applyOps: [{op: "i", ns, ui, o, o2: {_id}, stmtId}, ...]}, ts, t: 1, v: 2, wall, prevOpTime, multiOpType: 1},
/// field for field what <see cref="OplogEntryEncoder"/> writes for the same document. Documents of
/// <see cref="InsertFields.SplicedDocumentMinBytes"/> or more are not copied: the entry is a template around them
/// (see <see cref="SplicedDocument"/>). Returns false (the caller takes the general path) when a document's _id is of a
/// type <see cref="InsertFields.IdElementLength"/> does not size.
/// </summary>
internal static class GroupedInsertEncoder
{
    public readonly record struct Insert(Collection Collection, ReadOnlyMemory<byte> Document, int StatementId);

    /// <param name="lsid">The session id's BSON bytes, uid included.</param>
    /// <param name="prevOpTime">The optime of the command's entry before this one (the null optime for its first).</param>
    public static bool TryEncode(byte[] lsid, long txnNumber, IReadOnlyList<Insert> inserts, OpTime prevOpTime, out EncodedOplogEntry entry)
    {
        entry = default;
        var operationsSize = 4 + 1;
        var splicedCount = 0;
        var splicedBytes = 0;
        for (var i = 0; i < inserts.Count; i++)
        {
            if (!Fields(inserts[i], out var fields)) return false;
            operationsSize += 1 + Digits(i) + 1 + OperationSize(fields);
            if (!fields.IsSpliced) continue;
            splicedCount++;
            splicedBytes += fields.SplicedBytes;
        }
        var size = 4
            + 1 + 5 + lsid.Length // lsid
            + 1 + 10 + 8 // txnNumber
            + 1 + 3 + 4 + 2 // op
            + 1 + 3 + 4 + 11 // ns: "admin.$cmd"
            + 1 + 2 + 4 + 1 + 9 + operationsSize + 1 // o: {applyOps: [...]}
            + BsonSpanWriter.TimeFieldsBytes // ts, t, v, wall
            + 1 + 11 + BsonSpanWriter.OpTimeBytes // prevOpTime
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
            Fields(inserts[i], out var fields);
            writer.Int32(OperationSize(fields));
            var documentAt = fields.Write(ref writer);
            writer.Name(0x10, "stmtId"u8);
            writer.Int32(inserts[i].StatementId);
            writer.Byte(0);
            if (fields.IsSpliced) spliced![splicedCount++] = fields.Spliced(documentAt);
        }
        writer.Byte(0);
        writer.Byte(0);
        var (tsOffset, wallOffset) = writer.TimeFields();
        writer.Name(0x03, "prevOpTime"u8);
        writer.OpTime(prevOpTime);
        writer.Name(0x10, "multiOpType"u8);
        writer.Int32(1);
        writer.Byte(0);
        writer.CheckFilled("grouped insert entry");
        entry = new EncodedOplogEntry(bytes, tsOffset, wallOffset, spliced);
        return true;
    }

    private static bool Fields(Insert insert, out InsertFields fields) =>
        InsertFields.TryCreate(insert.Collection.NamespaceUtf8, insert.Collection.UuidValue.Bytes, insert.Document, out fields);

    /// <summary>{op: "i", ns, ui, o, o2: {_id}, stmtId}.</summary>
    private static int OperationSize(InsertFields fields) => 4 + fields.Size + 1 + 7 + 4 + 1;

    private static int Digits(int index) => index < 10 ? 1 : (int)Math.Floor(Math.Log10(index)) + 1;

    /// <summary>A document's BSON bytes (the lsid).</summary>
    public static byte[] BytesOf(BsonDocument document) => BsonBytes.Of(document).ToArray();
}
