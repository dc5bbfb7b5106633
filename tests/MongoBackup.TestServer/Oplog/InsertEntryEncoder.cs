namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes the oplog entry of a plain insert straight from the stored document's bytes, without building and serializing
/// a BsonDocument: {op: "i", ns, ui, o: document, o2: {_id}, ts, t: 1, v: 2, wall} (<see cref="InsertFields"/>, then
/// <see cref="BsonSpanWriter.TimeFields"/>), byte for byte what <see cref="OplogEntryEncoder"/> writes for the same entry.
/// Returns false (the caller then takes the general path) for an _id whose type it does not size.
/// </summary>
internal static class InsertEntryEncoder
{
    /// <param name="ns">The namespace, UTF-8.</param>
    /// <param name="uuid">The collection's UUID, 16 bytes.</param>
    public static bool TryEncode(ReadOnlySpan<byte> ns, ReadOnlySpan<byte> uuid, ReadOnlyMemory<byte> document, out EncodedOplogEntry entry)
    {
        entry = default;
        if (!InsertFields.TryCreate(ns, uuid, document, out var insert)) return false;
        var size = 4 + insert.Size + BsonSpanWriter.TimeFieldsBytes + 1;
        var bytes = new byte[size - insert.SplicedBytes];
        var writer = new BsonSpanWriter(bytes);
        writer.Int32(size);
        var documentAt = insert.Write(ref writer);
        var (tsOffset, wallOffset) = writer.TimeFields();
        writer.Byte(0);
        writer.CheckFilled("insert oplog entry");
        entry = new EncodedOplogEntry(bytes, tsOffset, wallOffset, insert.IsSpliced ? [insert.Spliced(documentAt)] : null);
        return true;
    }
}
