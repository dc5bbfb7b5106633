using System.Security.Cryptography;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A write-only stream into a snapshot file that counts the bytes and SHA-256s them on the way, so the
/// manifest can list each file's size and checksum without reading it back. After disposal,
/// <see cref="Entry"/> holds that manifest entry.
/// </summary>
public sealed class SnapshotFileWriter : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Action<ManifestFile>? _onCompleted;
    private readonly Action? _beforeClose;
    private ManifestFile? _entry;
    private long _length;

    /// <summary>Wraps the store's stream of the new file <paramref name="relativePath"/>; the writer owns it and closes it when disposed.</summary>
    /// <param name="inner">The store's write stream (a file, a block upload, a multipart upload).</param>
    /// <param name="relativePath">The file's path in the snapshot, as the manifest lists it.</param>
    /// <param name="classify">Decides the file's kind from its path; by default <see cref="ClassifyByName"/>.</param>
    /// <param name="onCompleted">Receives the manifest entry once the file is closed.</param>
    /// <param name="beforeClose">Runs once everything is written, before the stored file is closed (a folder repository puts it on stable storage there).</param>
    public SnapshotFileWriter(Stream inner, string relativePath, Func<string, ManifestFileKind>? classify = null, Action<ManifestFile>? onCompleted = null,
        Action? beforeClose = null)
    {
        _beforeClose = beforeClose;
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        RelativePath = relativePath;
        Kind = (classify ?? ClassifyByName)(relativePath);
        _onCompleted = onCompleted;
    }

    /// <summary>The file's path in the snapshot, '/'-separated.</summary>
    public string RelativePath { get; }
    /// <summary>data, metadata, exact metadata or oplog.</summary>
    public ManifestFileKind Kind { get; }

    /// <summary>The manifest entry; available once the writer is disposed.</summary>
    public ManifestFile Entry => _entry ?? throw new InvalidOperationException(
        $"The manifest entry of '{RelativePath}' is known only after the file is closed.");

    /// <summary>data, metadata, exact metadata or oplog, from the file name.</summary>
    public static ManifestFileKind ClassifyByName(string relativePath)
    {
        var name = relativePath.Replace('\\', '/');
        var fileName = name[(name.LastIndexOf('/') + 1)..];
        if (!name.Contains('/') && fileName.StartsWith("oplog.bson", StringComparison.Ordinal)) return ManifestFileKind.Oplog;
        if (fileName.Contains(".metadata.json", StringComparison.Ordinal)) return ManifestFileKind.Metadata;
        if (fileName.Contains(Formats.DumpLayout.ExactMetadataExtension, StringComparison.Ordinal)) return ManifestFileKind.ExactMetadata;
        return ManifestFileKind.Data;
    }

    /// <inheritdoc/>
    public override bool CanRead => false;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => _entry is null;
    /// <inheritdoc/>
    public override long Length => _length;
    /// <inheritdoc/>
    public override long Position { get => _length; set => throw new NotSupportedException("A snapshot file is written front to back."); }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Write(buffer);
        Account(buffer);
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span);
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();
    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A snapshot file writer cannot be read.");
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A snapshot file is written front to back.");
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A snapshot file is written front to back.");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _entry is null)
        {
            // A failure before closing (a flush to stable storage) fails the file: it gets no manifest entry.
            try { _beforeClose?.Invoke(); }
            finally { _inner.Dispose(); }
            Complete();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (_entry is null)
        {
            try
            {
                if (_beforeClose is not null)
                {
                    await _inner.FlushAsync().ConfigureAwait(false);
                    _beforeClose();
                }
            }
            finally { await _inner.DisposeAsync().ConfigureAwait(false); }
            Complete();
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Account(ReadOnlySpan<byte> written)
    {
        _sha256.AppendData(written);
        _length += written.Length;
    }

    private void Complete()
    {
        var hash = Convert.ToHexString(_sha256.GetHashAndReset()).ToLowerInvariant();
        _sha256.Dispose();
        _entry = new ManifestFile(RelativePath.Replace('\\', '/'), _length, hash, Kind);
        _onCompleted?.Invoke(_entry);
    }
}
