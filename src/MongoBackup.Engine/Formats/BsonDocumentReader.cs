using System.Buffers.Binary;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Reads concatenated BSON documents (a mongodump .bson file, already decompressed) one raw document
/// at a time, so documents pass from file to server without being deserialised.
/// </summary>
public sealed class BsonDocumentReader : IDisposable
{
    /// <summary>The server's 16 MiB limit plus the 16 KiB headroom it allows internal documents such as oplog entries.</summary>
    public const int MaxDocumentSize = 16 * 1024 * 1024 + 16 * 1024;

    private readonly Stream _stream;
    private readonly string _fileName;
    private readonly bool _validateStructure;
    private readonly byte[] _lengthBuffer = new byte[4];

    public BsonDocumentReader(Stream stream, string fileName, bool validateStructure = true)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _fileName = fileName ?? throw new ArgumentNullException(nameof(fileName));
        _validateStructure = validateStructure;
    }

    /// <summary>Byte offset of the next document in the (uncompressed) stream.</summary>
    public long Position { get; internal set; }

    /// <summary>The next document, or null at a clean end of stream.</summary>
    public byte[]? ReadNext()
    {
        var start = Position;
        var got = ReadFully(_lengthBuffer, 0, 4);
        if (got == 0) return null;
        if (got < 4) throw Truncated(start, $"only {got} of the 4 length bytes are present");
        var document = AllocateDocument(start);
        var body = ReadFully(document, 4, document.Length - 4);
        return Finish(document, body, start);
    }

    /// <summary>The next document, or null at a clean end of stream, reading asynchronously.</summary>
    public async ValueTask<byte[]?> ReadNextAsync(CancellationToken ct = default)
    {
        var start = Position;
        var got = await ReadFullyAsync(_lengthBuffer, 0, 4, ct).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < 4) throw Truncated(start, $"only {got} of the 4 length bytes are present");
        var document = AllocateDocument(start);
        var body = await ReadFullyAsync(document, 4, document.Length - 4, ct).ConfigureAwait(false);
        return Finish(document, body, start);
    }

    /// <summary>
    /// Reads the 4 bytes that may be a document length or an archive terminator (0xFFFFFFFF) and returns
    /// them as an int; null at a clean end of stream. Used by the archive parser, which must tell the two apart.
    /// </summary>
    internal async ValueTask<int?> PeekLengthAsync(CancellationToken ct)
    {
        var start = Position;
        var got = await ReadFullyAsync(_lengthBuffer, 0, 4, ct).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < 4) throw Truncated(start, $"only {got} of 4 bytes are present");
        return BinaryPrimitives.ReadInt32LittleEndian(_lengthBuffer);
    }

    /// <summary>Reads the rest of a document whose length <see cref="PeekLengthAsync"/> has just read.</summary>
    internal async ValueTask<byte[]> ReadAfterPeekedLengthAsync(CancellationToken ct)
    {
        var start = Position - 4;
        var document = AllocateDocument(start);
        var body = await ReadFullyAsync(document, 4, document.Length - 4, ct).ConfigureAwait(false);
        return Finish(document, body, start);
    }

    public void Dispose() => _stream.Dispose();

    private byte[] AllocateDocument(long start)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(_lengthBuffer);
        if (length < 5)
            throw new CorruptDumpException(_fileName, start, $"document length {length} is less than the minimum of 5 bytes");
        if (length > MaxDocumentSize)
            throw new CorruptDumpException(_fileName, start, $"document length {length} exceeds the maximum of {MaxDocumentSize} bytes");
        var document = new byte[length];
        _lengthBuffer.CopyTo(document, 0);
        return document;
    }

    private byte[] Finish(byte[] document, int bodyBytesRead, long start)
    {
        if (bodyBytesRead < document.Length - 4)
            throw Truncated(start, $"document of {document.Length} bytes ends after {bodyBytesRead + 4} bytes");
        if (document[^1] != 0)
            throw new CorruptDumpException(_fileName, start, "document is not terminated by a zero byte");
        if (_validateStructure && BsonStructureValidator.FindProblem(document) is { } problem)
            throw new CorruptDumpException(_fileName, start,
                $"{problem.Problem} (at byte {problem.Offset} of the document)");
        return document;
    }

    private CorruptDumpException Truncated(long start, string detail) =>
        new(_fileName, start, $"file is truncated: {detail}");

    private int ReadFully(byte[] buffer, int offset, int count)
    {
        var total = 0;
        try
        {
            while (total < count)
            {
                var n = _stream.Read(buffer, offset + total, count - total);
                if (n == 0) break;
                total += n;
            }
        }
        catch (Exception e) when (IsDamagedCompression(e))
        {
            throw DamagedCompression(e, total);
        }
        Position += total;
        return total;
    }

    private async ValueTask<int> ReadFullyAsync(byte[] buffer, int offset, int count, CancellationToken ct)
    {
        var total = 0;
        try
        {
            while (total < count)
            {
                var n = await _stream.ReadAsync(buffer.AsMemory(offset + total, count - total), ct).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
        }
        catch (Exception e) when (IsDamagedCompression(e))
        {
            throw DamagedCompression(e, total);
        }
        Position += total;
        return total;
    }

    // A damaged, cut or overlong gzip or zstd stream fails inside the decompressor (see CompressionCodec.WrapForRead);
    // report it like any other damage, with the file and the offset in the decompressed stream.
    private static bool IsDamagedCompression(Exception e) => e is InvalidDataException;

    private CorruptDumpException DamagedCompression(Exception e, int readSoFar) => new(_fileName, Position + readSoFar, e.Message, e);
}
