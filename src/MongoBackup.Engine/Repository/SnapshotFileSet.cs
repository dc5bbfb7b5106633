using System.Collections.Concurrent;
using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The files one snapshot is writing: opens each through the repository and the codec stage (compressing at
/// <paramref name="level"/>), and collects the manifest entries (size, SHA-256 of the stored bytes) as each file closes.
/// </summary>
/// <param name="repository">Where the files are written.</param>
/// <param name="snapshotId">The snapshot (its id reserved, see <see cref="PendingSnapshot"/>).</param>
/// <param name="compression">The codec of every file.</param>
/// <param name="dataKey">The snapshot's data key; null writes the files in the clear.</param>
/// <param name="level">How hard gzip or zstd works (see <see cref="CompressionLevels"/>).</param>
/// <param name="abandonWhen">
/// For a snapshot that is deleted whenever its run is stopped (a full backup): once cancelled, closing a file drops what
/// was not yet compressed and written instead of finishing it, so Ctrl+C does not wait for files about to be deleted.
/// Left default where a stopped run still commits what it wrote (a continuous capture's last slice).
/// </param>
public sealed class SnapshotFileSet(ISnapshotRepository repository, string snapshotId, Compression compression, DataKey? dataKey = null,
    CompressionLevel level = CompressionLevel.Optimal, CancellationToken abandonWhen = default)
{
    private ConcurrentBag<ManifestFile> _files = new();
    private string _folder = "";

    /// <summary>
    /// The same snapshot's files written under <paramref name="folder"/> (a shard of a cluster snapshot, each a mongodump
    /// layout of its own); their manifest entries, full paths, are collected with this set's.
    /// </summary>
    public SnapshotFileSet InFolder(string folder) =>
        new(repository, snapshotId, compression, dataKey, level, abandonWhen) { _files = _files, _folder = _folder + folder + "/" };

    /// <summary>The snapshot the files belong to.</summary>
    public string SnapshotId => snapshotId;
    /// <summary>The codec every file of the set is written with.</summary>
    public Compression Compression => compression;

    /// <summary>The level the files are compressed at, as the manifest records it: null without compression.</summary>
    public CompressionLevel? Level => compression == Compression.None ? null : level;

    /// <summary>The manifest entries of the files closed so far (stored size in bytes and SHA-256 of the stored bytes), in ordinal order of path.</summary>
    public IReadOnlyList<ManifestFile> Files => _files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();

    /// <summary>
    /// A stream that compresses into a new snapshot file at <paramref name="relativePath"/> (the mongodump layout; an
    /// encrypted snapshot stores it where <see cref="EncryptedLayout"/> says); disposing it records the file.
    /// </summary>
    public async Task<Stream> CreateAsync(string relativePath, CancellationToken ct)
    {
        var inFolder = dataKey is null ? relativePath : EncryptedLayout.Of(relativePath);
        var path = _folder + inFolder;
        var stored = await repository.CreateFileAsync(snapshotId, path, ct);
        // Its role is its role in its folder's layout (a shard's oplog.bson is that shard's oplog).
        Stream recording = new RecordOnClose(stored, _files, SnapshotFileWriter.ClassifyByName(inFolder));
        // Compress, then encrypt: ciphertext does not compress.
        if (dataKey is not null) recording = new EncryptingStream(recording, dataKey, SnapshotEncryption.FileIdentity(snapshotId, path));
        return CompressionCodec.WrapForWrite(recording, compression, level, abandonWhen);
    }

    /// <summary>Passes writes to the repository's writer and keeps its manifest entry once it is disposed.</summary>
    private sealed class RecordOnClose(SnapshotFileWriter inner, ConcurrentBag<ManifestFile> files, ManifestFileKind kind) : Stream
    {
        /// <inheritdoc/>
        public override bool CanRead => false;
        /// <inheritdoc/>
        public override bool CanSeek => false;
        /// <inheritdoc/>
        public override bool CanWrite => true;
        /// <inheritdoc/>
        public override long Length => inner.Length;
        /// <inheritdoc/>
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        /// <inheritdoc/>
        public override void Flush() => inner.Flush();
        /// <inheritdoc/>
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        /// <inheritdoc/>
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        /// <inheritdoc/>
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        /// <inheritdoc/>
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => inner.WriteAsync(buffer, ct);
        /// <inheritdoc/>
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.WriteAsync(buffer, offset, count, ct);
        /// <inheritdoc/>
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        /// <inheritdoc/>
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        /// <inheritdoc/>
        public override void SetLength(long value) => throw new NotSupportedException();

        private bool _closed;

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                inner.Dispose();
                files.Add(inner.Entry with { Kind = kind });
            }
            base.Dispose(disposing);
        }
    }
}
