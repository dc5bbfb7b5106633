using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes the entry of a document inserted by a retryable write on MongoDB 7.0 (an entry per document, see
/// <see cref="RetryableWriteLog"/>) straight from the stored document's bytes: {lsid, txnNumber, op: "i", ns, ui,
/// o: document, o2: {_id}, stmtId, ts, t: 1, v: 2, wall, prevOpTime}, byte for byte what <see cref="OplogEntryEncoder"/>
/// writes for the same entry built as a document. Returns false (the caller takes the general path) for an _id whose
/// type <see cref="InsertFields"/> does not size.
/// </summary>
internal static class RetryableInsertEncoder
{
    /// <param name="lsid">The session id's BSON bytes, uid included.</param>
    /// <param name="ns">The namespace, UTF-8.</param>
    /// <param name="uuid">The collection's UUID, 16 bytes.</param>
    /// <param name="prevOpTime">The optime of the command's entry before this one (the null optime for its first).</param>
    public static bool TryEncode(ReadOnlySpan<byte> lsid, long txnNumber, ReadOnlySpan<byte> ns, ReadOnlySpan<byte> uuid,
        ReadOnlyMemory<byte> document, int statementId, OpTime prevOpTime, out EncodedOplogEntry entry)
    {
        entry = default;
        if (!InsertFields.TryCreate(ns, uuid, document, out var insert)) return false;
        var size = 4
            + 1 + 5 + lsid.Length // lsid
            + 1 + 10 + 8 // txnNumber
            + insert.Size
            + 1 + 7 + 4 // stmtId
            + BsonSpanWriter.TimeFieldsBytes // ts, t, v, wall
            + 1 + 11 + BsonSpanWriter.OpTimeBytes // prevOpTime
            + 1;
        var bytes = new byte[size - insert.SplicedBytes];
        var writer = new BsonSpanWriter(bytes);
        writer.Int32(size);
        writer.Name(0x03, "lsid"u8);
        writer.Bytes(lsid);
        writer.Name(0x12, "txnNumber"u8);
        writer.Int64(txnNumber);
        var documentAt = insert.Write(ref writer);
        writer.Name(0x10, "stmtId"u8);
        writer.Int32(statementId);
        var (tsOffset, wallOffset) = writer.TimeFields();
        writer.Name(0x03, "prevOpTime"u8);
        writer.OpTime(prevOpTime);
        writer.Byte(0);
        writer.CheckFilled("retryable insert oplog entry");
        entry = new EncodedOplogEntry(bytes, tsOffset, wallOffset, insert.IsSpliced ? [insert.Spliced(documentAt)] : null);
        return true;
    }
}

/// <summary>
/// An optime, {ts, t} as oplog entries write prevOpTime (t an int64): the term is 1 for every entry this server writes,
/// -1 in the null optime {ts: Timestamp(0, 0), t: -1} that a chain's first entry points to.
/// </summary>
internal readonly record struct OpTime(BsonTimestamp Ts, long Term)
{
    public static readonly OpTime Null = new(new BsonTimestamp(0, 0), -1);

    /// <summary>The optime of an entry this server wrote at <paramref name="ts"/>.</summary>
    public static OpTime Of(BsonTimestamp ts) => new(ts, 1);

    public BsonDocument ToDocument() => new() { { "ts", Ts }, { "t", Term } };
}
