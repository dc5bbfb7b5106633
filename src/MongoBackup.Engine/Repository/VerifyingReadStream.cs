using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Reads a stored snapshot file and checks, when it ends, that its size and SHA-256 are the ones its manifest
/// recorded: a file damaged or cut short in the repository is reported by name, never taken as whole.
/// </summary>
public sealed class VerifyingReadStream(Stream inner, ManifestFile expected, string displayName) : HashingReadStream(inner, leaveOpen: false)
{
    private bool _verified;
    /// <summary>The stored size the manifest records, in bytes.</summary>
    public override long Length => expected.Size;

    /// <summary>
    /// Reads whatever a decompressor left unread and checks the file: call it once the content is consumed, since
    /// a decompressor stops at its own end marker without asking for the end of the stored bytes.
    /// </summary>
    public async Task VerifyToEndAsync(CancellationToken ct)
    {
        await DrainAsync(ct).ConfigureAwait(false);
        Verify();
    }

    // Only overlong files fail mid-read; the end is checked by VerifyToEndAsync, after the layers above have said what
    // they found wrong (an encrypted file names the chunk that is cut short, which is more useful than a size mismatch).
    /// <inheritdoc/>
    protected override void OnBytesRead()
    {
        if (BytesRead > expected.Size)
            throw new CorruptDumpException(displayName, expected.Size, $"the file is longer than the {expected.Size} bytes its manifest records", offsetIn: DumpOffsetKind.StoredFile);
    }

    private void Verify()
    {
        if (_verified) return;
        _verified = true;
        if (BytesRead != expected.Size)
            throw new CorruptDumpException(displayName, BytesRead, $"the file ends after {BytesRead} bytes; its manifest records {expected.Size}", offsetIn: DumpOffsetKind.StoredFile);
        if (Sha256() != expected.Sha256)
            throw new CorruptDumpException(displayName, "its SHA-256 does not match the manifest: the file was changed or damaged after the backup");
    }
}
