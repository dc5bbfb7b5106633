using MongoBackup.Engine.Codecs;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Reads concatenated BSON documents (a mongodump .bson file, already decompressed) one raw document, or one
/// <see cref="DocumentBlock"/> of them, at a time, so documents pass from file to server without being deserialised.
/// The stream is read in large chunks into a pooled buffer and documents are cut from it, so a document costs no
/// read call of its own; nothing else may read the stream once this reader has started.
/// </summary>
public sealed class BsonDocumentReader : IDisposable
{
    /// <summary>The server's 16 MiB limit plus the 16 KiB headroom it allows internal documents such as oplog entries.</summary>
    public const int MaxDocumentSize = 16 * 1024 * 1024 + 16 * 1024;

    /// <summary>What one read asks the stream for: large enough that reads cost little per document.</summary>
    private const int ChunkSize = 256 * 1024;

    private readonly ReadAheadBuffer _ahead;
    private readonly string _fileName;
    private readonly bool _validateStructure;
    private int? _peeked;

    /// <summary>
    /// Reads documents from <paramref name="stream"/> (decompressed), naming <paramref name="fileName"/> in every
    /// <see cref="CorruptDumpException"/>; with <paramref name="validateStructure"/>, each document's elements are walked
    /// and checked, not only its length and terminator.
    /// </summary>
    public BsonDocumentReader(Stream stream, string fileName, bool validateStructure = true)
    {
        _ahead = new ReadAheadBuffer(stream ?? throw new ArgumentNullException(nameof(stream)), ChunkSize, MaxDocumentSize);
        _fileName = fileName ?? throw new ArgumentNullException(nameof(fileName));
        _validateStructure = validateStructure;
    }

    /// <summary>Byte offset of the next document in the (uncompressed) stream.</summary>
    public long Position { get; internal set; }

    private int Buffered => _ahead.Buffered;

    /// <summary>The next document, or null at a clean end of stream.</summary>
    public byte[]? ReadNext()
    {
        while (!Ready(4)) Fill();
        if (AtCleanEnd()) return null;
        var length = CheckedLength(Position);
        while (!Ready(length)) Fill();
        return TakeDocument(length);
    }

    /// <summary>The next document, or null at a clean end of stream, reading asynchronously.</summary>
    public async ValueTask<byte[]?> ReadNextAsync(CancellationToken ct = default)
    {
        while (!Ready(4)) await FillAsync(ct).ConfigureAwait(false);
        if (AtCleanEnd()) return null;
        var length = CheckedLength(Position);
        while (!Ready(length)) await FillAsync(ct).ConfigureAwait(false);
        return TakeDocument(length);
    }

    /// <summary>
    /// Appends whole documents to <paramref name="block"/> until the next one would take it past
    /// <paramref name="targetBytes"/> (a block takes at least one, whatever its size), or the stream ends; returns false
    /// when it added nothing because the stream had ended cleanly. So a block rented at the target size is never
    /// copied into a larger buffer for its last document (which doubled every block's memory). Every document is
    /// checked as <see cref="ReadNext"/> checks it, and a damaged one fails the read with the documents before it
    /// already in the block.
    /// </summary>
    public async ValueTask<bool> ReadBlockAsync(DocumentBlock block, int targetBytes, CancellationToken ct = default)
    {
        var before = block.Count;
        while (TakeBuffered(block, targetBytes))
        {
            if (_ahead.Ended)
            {
                // What is left is less than a whole document: nothing at all is a clean end, anything else is cut short.
                if (!AtCleanEnd()) RequireWhole(CheckedLength(Position), Position);
                break;
            }
            await FillAsync(ct).ConfigureAwait(false);
        }
        return block.Count > before;
    }

    /// <summary>
    /// Moves the whole documents already buffered into <paramref name="block"/>, checking each, until the next would
    /// not fit in <paramref name="targetBytes"/>; returns true when it stopped for want of bytes. The loop every
    /// restored document goes through, so it is compiled optimized from the start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TakeBuffered(DocumentBlock block, int targetBytes)
    {
        while (true)
        {
            if (!_ahead.Has(4) || Buffered < 4) return true;
            var length = CheckedLength(Position);
            if (block.Count > 0 && block.Length + length > targetBytes) return false;
            if (!_ahead.Has(length) || Buffered < length) return true;
            var document = _ahead.Bytes[..length];
            CheckDocument(document, Position);
            document.CopyTo(block.Append(length));
            Consume(length);
        }
    }

    /// <summary>
    /// Reads the 4 bytes that may be a document length or an archive terminator (0xFFFFFFFF) and returns
    /// them as an int; null at a clean end of stream. Used by the archive parser, which must tell the two apart.
    /// </summary>
    internal async ValueTask<int?> PeekLengthAsync(CancellationToken ct)
    {
        while (!Ready(4)) await FillAsync(ct).ConfigureAwait(false);
        if (Buffered == 0) return null;
        if (Buffered < 4) throw Truncated(Position, $"only {Buffered} of 4 bytes are present");
        var value = BinaryPrimitives.ReadInt32LittleEndian(_ahead.Bytes);
        Consume(4);
        _peeked = value;
        return value;
    }

    /// <summary>Reads the rest of a document whose length <see cref="PeekLengthAsync"/> has just read.</summary>
    internal async ValueTask<byte[]> ReadAfterPeekedLengthAsync(CancellationToken ct)
    {
        var length = _peeked ?? throw new InvalidOperationException("No length was peeked.");
        _peeked = null;
        var start = Position - 4;
        CheckLength(length, start);
        while (!Ready(length - 4)) await FillAsync(ct).ConfigureAwait(false);
        RequireWhole(length - 4, start, length);
        var document = new byte[length];
        BinaryPrimitives.WriteInt32LittleEndian(document, length);
        _ahead.Bytes[..(length - 4)].CopyTo(document.AsSpan(4));
        CheckDocument(document, start);
        Consume(length - 4);
        return document;
    }

    /// <summary>Returns the read-ahead buffer to the pool; the stream is not disposed.</summary>
    public void Dispose() => _ahead.Dispose();

    /// <summary>True when <paramref name="count"/> bytes are buffered, or no more will come.</summary>
    private bool Ready(int count) => _ahead.Has(count);

    /// <summary>The stream ended before the <paramref name="length"/> bytes a document needs from here.</summary>
    private void RequireWhole(int length, long start, int? documentLength = null)
    {
        if (Buffered < length)
            throw Truncated(start, $"document of {documentLength ?? length} bytes ends after {Buffered + (documentLength ?? length) - length} bytes");
    }

    /// <summary>A clean end: nothing left at a document boundary. Fewer than 4 bytes left is a cut length.</summary>
    private bool AtCleanEnd()
    {
        if (Buffered == 0) return true;
        if (Buffered < 4) throw Truncated(Position, $"only {Buffered} of the 4 length bytes are present");
        return false;
    }

    private int CheckedLength(long start)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(_ahead.Bytes);
        CheckLength(length, start);
        return length;
    }

    private void CheckLength(int length, long start)
    {
        if (length < 5)
            throw new CorruptDumpException(_fileName, start, $"document length {length} is less than the minimum of 5 bytes");
        if (length > MaxDocumentSize)
            throw new CorruptDumpException(_fileName, start, $"document length {length} exceeds the maximum of {MaxDocumentSize} bytes");
    }

    private byte[] TakeDocument(int length)
    {
        RequireWhole(length, Position);
        var document = _ahead.Bytes[..length];
        CheckDocument(document, Position);
        var copy = document.ToArray();
        Consume(length);
        return copy;
    }

    /// <summary>Checks a whole document that starts at <paramref name="start"/>.</summary>
    private void CheckDocument(ReadOnlySpan<byte> document, long start)
    {
        if (document[^1] != 0)
            throw new CorruptDumpException(_fileName, start, "document is not terminated by a zero byte");
        if (_validateStructure && BsonStructureValidator.FindProblem(document) is { } problem)
            throw new CorruptDumpException(_fileName, start, $"{problem.Problem} (at byte {problem.Offset} of the document)");
    }

    private void Consume(int count)
    {
        _ahead.Consume(count);
        Position += count;
    }

    private CorruptDumpException Truncated(long start, string detail) =>
        new(_fileName, start, $"file is truncated: {detail}");

    private void Fill()
    {
        try { _ahead.Fill(); }
        catch (Exception e) when (IsDamagedCompression(e)) { throw DamagedCompression(e); }
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        try { await _ahead.FillAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (IsDamagedCompression(e)) { throw DamagedCompression(e); }
    }

    // A damaged, cut or overlong gzip or zstd stream fails inside the decompressor (see CompressionCodec.WrapForRead);
    // report it with the document it cut and how far the decompressed data was whole: data cut short at the stored
    // offset where it ends, other damage at the document's offset in the decompressed data (the message says so, see
    // CorruptDumpException) and how far into the stored (or decrypted) bytes the decompressor had read when it failed,
    // which the damage is at or before. The decompressors do not say where the damaged member or frame starts.
    private static bool IsDamagedCompression(Exception e) => e is InvalidDataException;

    private CorruptDumpException DamagedCompression(Exception e) =>
        CorruptDumpException.FromCompression(_fileName, Position, Position + Buffered, "document", e);
}
