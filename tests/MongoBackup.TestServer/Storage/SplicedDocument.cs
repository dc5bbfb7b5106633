namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A document kept by reference inside another record: <see cref="Document"/>'s bytes (stored bytes that never change)
/// belong at offset <see cref="At"/> of a template that holds every byte of the record but theirs, its lengths already
/// counting them. An oplog entry is stored this way around the documents it inserted (see <see cref="RecordStore.AppendSpliced"/>),
/// so each inserted document is stored once.
/// </summary>
internal readonly record struct SplicedDocument(int At, ReadOnlyMemory<byte> Document)
{
    /// <summary>The bytes of <paramref name="template"/> with each of <paramref name="documents"/> (in offset order) in its place.</summary>
    public static byte[] Assemble(ReadOnlySpan<byte> template, SplicedDocument[] documents)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(template.Length + TotalLength(documents));
        int from = 0, to = 0;
        foreach (var (at, document) in documents)
        {
            template[from..at].CopyTo(bytes.AsSpan(to));
            to += at - from;
            document.Span.CopyTo(bytes.AsSpan(to));
            to += document.Length;
            from = at;
        }
        template[from..].CopyTo(bytes.AsSpan(to));
        return bytes;
    }

    /// <summary>The bytes the documents add to their template.</summary>
    public static int TotalLength(SplicedDocument[] documents)
    {
        var length = 0;
        for (var i = 0; i < documents.Length; i++) length += documents[i].Document.Length;
        return length;
    }
}
