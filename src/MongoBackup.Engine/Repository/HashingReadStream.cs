using System.Security.Cryptography;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Passes reads through while counting and SHA-256ing them, so a stored file's size and checksum come from the one
/// pass that reads its content. It judges nothing itself: <see cref="VerifyingReadStream"/> adds the manifest's
/// checks for restores, and Test-MongoSnapshot reads a damaged file to its end to report every problem together.
/// </summary>
public class HashingReadStream(Stream inner, bool leaveOpen) : ReadOnlyStream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Stored bytes read so far (as stored: compressed and encrypted, not raw BSON).</summary>
    public long BytesRead { get; private set; }

    /// <summary>Reads what the consumer left (a decompressor stops at its end marker, or at damage) so the checksum covers the whole file.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        while (await ReadAsync(buffer, ct).ConfigureAwait(false) > 0) { }
    }

    /// <summary>Lowercase hex, like the manifest; call once, after <see cref="DrainAsync"/>.</summary>
    public string Sha256() => Convert.ToHexString(_sha256.GetHashAndReset()).ToLowerInvariant();

    /// <summary>Called after every read that returned bytes, with <see cref="BytesRead"/> already counting them.</summary>
    protected virtual void OnBytesRead() { }

    /// <inheritdoc/>
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct).ConfigureAwait(false);
        Account(buffer.Span[..n]);
        return n;
    }

    private void Account(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return;
        BytesRead += bytes.Length;
        _sha256.AppendData(bytes);
        OnBytesRead();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!leaveOpen) inner.Dispose();
            _sha256.Dispose();
        }
        base.Dispose(disposing);
    }
}
