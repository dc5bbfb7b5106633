using System.IO.Compression;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// gzip compression that always produces a gzip member. .NET's GZipStream writes nothing at all when nothing was
/// written to it, and a zero-byte ".bson.gz" (an empty collection) makes mongorestore --gzip fail with "EOF";
/// mongodump writes a valid empty member there, and so does this stream.
/// </summary>
internal sealed class GzipWriteStream : Stream
{
    // Header (magic, deflate, no flags, no time, unknown OS), an empty final stored-nothing deflate block, CRC-32 0, size 0.
    private static readonly byte[] EmptyMember =
        [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    private readonly Stream _inner;
    private readonly GZipStream _gzip;
    private bool _wroteAny;
    private bool _disposed;

    public GzipWriteStream(Stream inner, CompressionLevel level)
    {
        _inner = inner;
        _gzip = new GZipStream(inner, level, leaveOpen: true);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _wroteAny |= buffer.Length > 0;
        _gzip.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _wroteAny |= buffer.Length > 0;
        await _gzip.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _gzip.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _gzip.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _gzip.Dispose();
            if (!_wroteAny) _inner.Write(EmptyMember);
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _gzip.DisposeAsync().ConfigureAwait(false);
            if (!_wroteAny) await _inner.WriteAsync(EmptyMember).ConfigureAwait(false);
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}
