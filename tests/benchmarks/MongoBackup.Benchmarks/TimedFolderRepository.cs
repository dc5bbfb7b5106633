using System.Diagnostics;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Benchmarks;

/// <summary>
/// A folder repository whose files count the time spent in file writes, so the backup's profile can show how
/// much of it the disk took (everything above it, compression and hashing, is the engine's codec stage).
/// Files are created as <see cref="FolderRepository"/> creates them; everything else is passed to it.
/// </summary>
public sealed class TimedFolderRepository(FolderRepository inner) : ISnapshotRepository
{
    private long _writeTicks, _writtenBytes;

    public TimeSpan WriteTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _writeTicks));
    public long WrittenBytes => Interlocked.Read(ref _writtenBytes);
    public string Location => inner.Location;

    public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = inner.LocalPath(snapshotId, relativePath)!;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        return Task.FromResult(new SnapshotFileWriter(new TimedWrites(file, this), relativePath));
    }

    public Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) => inner.OpenReadAsync(snapshotId, relativePath, ct);
    public Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct) => inner.CommitManifestAsync(manifest, ct);
    public Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct) => inner.CommitNewManifestAsync(manifest, ct);
    public Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct) => inner.TryReserveAsync(snapshotId, ct);
    public IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct) => inner.ListAsync(ct);
    public Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct) => inner.ReadManifestAsync(snapshotId, ct);
    public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshotId, ct);
    public string? LocalPath(string snapshotId, string relativePath) => inner.LocalPath(snapshotId, relativePath);

    private void Account(long started, int bytes)
    {
        Interlocked.Add(ref _writeTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Add(ref _writtenBytes, bytes);
    }

    /// <summary>Passes writes to the file and adds their duration to the repository's total.</summary>
    private sealed class TimedWrites(FileStream file, TimedFolderRepository owner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => file.Length;
        public override long Position { get => file.Position; set => throw new NotSupportedException(); }
        public override void Flush() => file.Flush();
        public override Task FlushAsync(CancellationToken ct) => file.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var started = Stopwatch.GetTimestamp();
            file.Write(buffer);
            owner.Account(started, buffer.Length);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            var started = Stopwatch.GetTimestamp();
            await file.WriteAsync(buffer, ct);
            owner.Account(started, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing) file.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await file.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
