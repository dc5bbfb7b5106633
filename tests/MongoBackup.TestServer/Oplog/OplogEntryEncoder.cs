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
/// A large "o" kept as the client's bytes is not copied at all: the entry records an empty document in its place and
/// refers to those bytes, for the oplog to store as a record that embeds them (see <see cref="RecordStore.AppendEmbedding"/>).
/// </summary>
internal static class OplogEntryEncoder
{
    private const int KeptBufferBytes = 1 << 20; // larger scratch buffers are dropped after use, not kept per thread
    private const int SharedDocumentMinBytes = 256; // below this a copy costs less than the deferred record
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
                if (element.Name == "o" && element.Value is StoredBsonDocument stored && stored.Bytes.Length >= SharedDocumentMinBytes)
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
        return new EncodedOplogEntry(bytes, tsOffset, wallOffset, shared, documentOffset);
    }
}

/// <summary>
/// An encoded oplog entry whose ts and wall are written when it gets its place in the oplog; with
/// a non-empty <see cref="SharedDocument"/>, <see cref="Bytes"/> is a template holding {} for "o" at <see cref="DocumentOffset"/>.
/// </summary>
internal readonly struct EncodedOplogEntry
{
    private readonly int _tsOffset;
    private readonly int _wallOffset;

    public EncodedOplogEntry(byte[] bytes, int tsOffset, int wallOffset, ReadOnlyMemory<byte> sharedDocument, int documentOffset)
    {
        Bytes = bytes;
        _tsOffset = tsOffset;
        _wallOffset = wallOffset;
        SharedDocument = sharedDocument;
        DocumentOffset = documentOffset;
    }

    public byte[] Bytes { get; }
    public ReadOnlyMemory<byte> SharedDocument { get; }

    /// <summary>The size of the entry as stored, with the shared document in place of its {} placeholder.</summary>
    public long Size => SharedDocument.IsEmpty ? Bytes.Length : Bytes.Length - 5L + SharedDocument.Length;
    public int DocumentOffset { get; }

    public void Stamp(BsonTimestamp ts, DateTime wall)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Bytes.AsSpan(_tsOffset), ts.Value);
        BinaryPrimitives.WriteInt64LittleEndian(Bytes.AsSpan(_wallOffset), BsonUtils.ToMillisecondsSinceEpoch(wall));
    }
}
