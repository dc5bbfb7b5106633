using System.Security.Cryptography;
using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Reads a stored snapshot file and checks, when it ends, that its size and SHA-256 are the ones its manifest
/// recorded: a file damaged or cut short in the repository is reported by name, never taken as whole.
/// </summary>
public sealed class VerifyingReadStream(Stream inner, ManifestFile expected, string displayName) : Stream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => expected.Size;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        Account(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>
    /// Reads whatever a decompressor left unread and checks the file: call it once the content is consumed, since
    /// a decompressor stops at its own end marker without asking for the end of the stored bytes.
    /// </summary>
    public async Task VerifyToEndAsync(CancellationToken ct)
    {
        var buffer = new byte[8192];
        while (await ReadAsync(buffer, ct) > 0) { }
        Verify();
    }

    private void Account(ReadOnlySpan<byte> bytes)
    {
        // The end is checked by VerifyToEndAsync, after the layers above have said what they found wrong (an
        // encrypted file names the chunk that is cut short, which is more useful than a size mismatch).
        if (bytes.Length == 0) return;
        _read += bytes.Length;
        _sha256.AppendData(bytes);
        if (_read > expected.Size)
            throw new CorruptDumpException(displayName, expected.Size, $"the file is longer than the {expected.Size} bytes its manifest records");
    }

    private void Verify()
    {
        if (_verified) return;
        _verified = true;
        if (_read != expected.Size)
            throw new CorruptDumpException(displayName, _read, $"the file ends after {_read} bytes; its manifest records {expected.Size}");
        var actual = Convert.ToHexString(_sha256.GetHashAndReset()).ToLowerInvariant();
        if (actual != expected.Sha256)
            throw new CorruptDumpException(displayName, 0, "its SHA-256 does not match the manifest: the file was changed or damaged after the backup");
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _sha256.Dispose();
        }
        base.Dispose(disposing);
    }
}
