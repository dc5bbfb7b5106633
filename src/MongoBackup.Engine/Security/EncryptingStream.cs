using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MongoBackup.Engine.Security;

/// <summary>Encrypts what is written into the chunked format (see <see cref="ChunkedFileFormat"/>); disposing writes the final chunk.</summary>
public sealed class EncryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly string _fileIdentity;
    private readonly AesGcm _aes;
    private readonly byte[] _plain = new byte[ChunkedFileFormat.ChunkSize];
    private readonly byte[] _cipher = new byte[ChunkedFileFormat.ChunkSize];
    private readonly byte[] _tag = new byte[ChunkedFileFormat.TagSize];
    private int _buffered;
    private long _index;
    private bool _closed;

    /// <summary>
    /// Writes the chunked, AES-256-GCM encrypted form of what it is given into <paramref name="inner"/>; each chunk is bound to
    /// <paramref name="fileIdentity"/> (the snapshot id and path), so a chunk moved to another file fails to decrypt.
    /// </summary>
    public EncryptingStream(Stream inner, DataKey dataKey, string fileIdentity)
    {
        _inner = inner;
        _fileIdentity = fileIdentity;
        var salt = RandomNumberGenerator.GetBytes(ChunkedFileFormat.SaltSize);
        var fileKey = dataKey.DeriveFileKey(salt, fileIdentity);
        _aes = new AesGcm(fileKey, ChunkedFileFormat.TagSize);
        CryptographicOperations.ZeroMemory(fileKey);
        _inner.Write(ChunkedFileFormat.Magic);
        _inner.Write(salt);
    }

    /// <inheritdoc/>
    public override bool CanRead => false;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => !_closed;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            if (_buffered == _plain.Length) WriteChunk(final: false);
            var take = Math.Min(buffer.Length, _plain.Length - _buffered);
            buffer[..take].CopyTo(_plain.AsSpan(_buffered));
            _buffered += take;
            buffer = buffer[take..];
        }
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        // Encryption is CPU work on the caller's (already off-thread) writer; the inner write is a buffered one.
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    private void WriteChunk(bool final)
    {
        var length = _buffered;
        _aes.Encrypt(ChunkedFileFormat.Nonce(_index, final), _plain.AsSpan(0, length), _cipher.AsSpan(0, length), _tag,
            ChunkedFileFormat.AssociatedData(_fileIdentity, _index, final));
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)length | (final ? ChunkedFileFormat.FinalFlag : 0));
        _inner.Write(header);
        _inner.Write(_cipher, 0, length);
        _inner.Write(_tag);
        _index++;
        _buffered = 0;
    }

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();
    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            _closed = true;
            WriteChunk(final: true);
            _aes.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
