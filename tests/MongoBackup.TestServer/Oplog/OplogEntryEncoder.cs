using System.Buffers.Binary;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// Writes an oplog entry's BSON once, outside the oplog's critical section: the entry's own fields (documents a client
/// sent are copied as raw bytes, never re-serialized), then ts, t, v and wall, then prevOpTime and multiOpType, as
/// MongoDB orders them.
/// ts and wall are placeholders that <see cref="EncodedOplogEntry.Stamp"/> fills in place when the entry is appended.
/// A large "o" kept as the client's bytes is not copied at all: the entry is a template without them that refers to
/// them, for the oplog to store as a record around them (see <see cref="RecordStore.AppendSpliced"/>).
/// </summary>
internal static class OplogEntryEncoder
{
    private const int KeptBufferBytes = 1 << 20; // larger scratch buffers are dropped after use, not kept per thread
    private static readonly byte[] EmptyDocument = { 5, 0, 0, 0, 0 };

    [ThreadStatic] private static MemoryStream? _scratch;

    public static EncodedOplogEntry Encode(BsonDocument entry)
    {
        var stream = _scratch ??= new MemoryStream(4096);
        stream.SetLength(0);
        int tsOffset, wallOffset, documentOffset = -1;
        ReadOnlyMemory<byte> shared = default;
        using (var writer = new BsonBinaryWriter(stream))
        {
            writer.WriteStartDocument();
            foreach (var element in entry)
            {
                if (element.Name is "ts" or "t" or "v" or "wall" or "prevOpTime" or "multiOpType") continue;
                writer.WriteName(element.Name);
                if (element.Name == "o" && element.Value is StoredBsonDocument stored && stored.Bytes.Length >= InsertFields.SplicedDocumentMinBytes)
                {
                    shared = stored.Bytes;
                    using var empty = new ByteArrayBuffer(EmptyDocument, isReadOnly: true);
                    writer.WriteRawBsonDocument(empty);
                    documentOffset = (int)writer.BsonStream.Position - EmptyDocument.Length;
                    continue;
                }
                BsonBytes.WriteValue(writer, element.Value);
            }
            writer.WriteTimestamp("ts", 0);
            tsOffset = (int)writer.BsonStream.Position - sizeof(long);
            writer.WriteInt64("t", 1L);
            writer.WriteInt64("v", 2L);
            writer.WriteDateTime("wall", 0);
            wallOffset = (int)writer.BsonStream.Position - sizeof(long);
            foreach (var trailing in new[] { "prevOpTime", "multiOpType" })
            {
                if (!entry.TryGetValue(trailing, out var value)) continue;
                writer.WriteName(trailing);
                BsonBytes.WriteValue(writer, value);
            }
            writer.WriteEndDocument();
        }
        var bytes = stream.ToArray();
        if (stream.Capacity > KeptBufferBytes) _scratch = null;
        return shared.IsEmpty ? new EncodedOplogEntry(bytes, tsOffset, wallOffset) : Template(bytes, documentOffset, shared, tsOffset, wallOffset);
    }

    /// <summary>The entry without the {} written at <paramref name="documentOffset"/>, its length counting <paramref name="shared"/> there instead.</summary>
    private static EncodedOplogEntry Template(byte[] bytes, int documentOffset, ReadOnlyMemory<byte> shared, int tsOffset, int wallOffset)
    {
        // ts and wall follow every field of the entry's own, "o" included.
        if (tsOffset < documentOffset || wallOffset < documentOffset) throw new InvalidOperationException("ts and wall are written after \"o\"");
        var template = new byte[bytes.Length - EmptyDocument.Length];
        bytes.AsSpan(0, documentOffset).CopyTo(template);
        bytes.AsSpan(documentOffset + EmptyDocument.Length).CopyTo(template.AsSpan(documentOffset));
        BinaryPrimitives.WriteInt32LittleEndian(template, template.Length + shared.Length);
        return new EncodedOplogEntry(template, tsOffset - EmptyDocument.Length, wallOffset - EmptyDocument.Length, [new SplicedDocument(documentOffset, shared)]);
    }
}

/// <summary>
/// An encoded oplog entry whose ts and wall are written when it gets its place in the oplog: <see cref="Bytes"/>, or
/// with <see cref="Spliced"/> documents the template around them (see <see cref="SplicedDocument"/>).
/// </summary>
internal readonly struct EncodedOplogEntry
{
    private readonly int _tsOffset;
    private readonly int _wallOffset;

    public EncodedOplogEntry(byte[] bytes, int tsOffset, int wallOffset, SplicedDocument[]? spliced = null)
    {
        Bytes = bytes;
        _tsOffset = tsOffset;
        _wallOffset = wallOffset;
        Spliced = spliced;
    }

    public byte[] Bytes { get; }
    public SplicedDocument[]? Spliced { get; }

    /// <summary>The size of the entry as stored, the spliced documents included.</summary>
    public long Size => Spliced is null ? Bytes.Length : Bytes.Length + (long)SplicedDocument.TotalLength(Spliced);

    /// <summary>The whole entry as one array (a fresh one when documents are spliced in).</summary>
    public byte[] Assembled() => Spliced is null ? Bytes : SplicedDocument.Assemble(Bytes, Spliced);

    public void Stamp(BsonTimestamp ts, DateTime wall)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Bytes.AsSpan(_tsOffset), ts.Value);
        BinaryPrimitives.WriteInt64LittleEndian(Bytes.AsSpan(_wallOffset), BsonUtils.ToMillisecondsSinceEpoch(wall));
    }
}
