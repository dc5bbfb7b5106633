using System.Collections.Concurrent;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// A folder repository that counts what a command asks of it: how often the catalog is listed (every manifest read),
/// which manifests are read by id, how often the settings are read, and how many bytes are read from each stored file ("id/relative path").
/// Leases, marks and settings pass through, so every command runs on it as on the folder itself.
/// </summary>
public sealed class MeteredRepository(FolderRepository inner) : ISnapshotRepository, ILeasableRepository, IRepositorySettingsStore, ISnapshotMarks
{
    private int _lists;
    private int _settingsReads;

    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Reads of the repository's settings (on an object store, one GET each).</summary>
    public int SettingsReads => Volatile.Read(ref _settingsReads);

    /// <summary>Manifests read one at a time, by snapshot id.</summary>
    public ConcurrentDictionary<string, int> ManifestReads { get; } = new(StringComparer.Ordinal);

    /// <summary>Bytes read through <see cref="OpenReadAsync"/>, by "id/relative path".</summary>
    public ConcurrentDictionary<string, long> BytesRead { get; } = new(StringComparer.Ordinal);

    /// <summary>Forgets what was counted, so the next command is measured alone.</summary>
    public void Reset()
    {
        Volatile.Write(ref _lists, 0);
        Volatile.Write(ref _settingsReads, 0);
        ManifestReads.Clear();
        BytesRead.Clear();
    }

    public string Location => inner.Location;

    public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct) => inner.CreateFileAsync(snapshotId, relativePath, ct);

    public async Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) =>
        new CountingReadStream(await inner.OpenReadAsync(snapshotId, relativePath, ct), $"{snapshotId}/{relativePath}", BytesRead);

    public Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct) => inner.CommitManifestAsync(manifest, ct);
    public Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct) => inner.CommitNewManifestAsync(manifest, ct);
    public Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct) => inner.TryReserveAsync(snapshotId, ct);

    public IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _lists);
        return inner.ListAsync(ct);
    }

    /// <summary>A listing too: counted in <see cref="Lists"/>.</summary>
    public Task<SnapshotListing> ListWithOtherFoldersAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _lists);
        return inner.ListWithOtherFoldersAsync(ct);
    }

    public Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct)
    {
        ManifestReads.AddOrUpdate(snapshotId, 1, (_, reads) => reads + 1);
        return inner.ReadManifestAsync(snapshotId, ct);
    }

    public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshotId, ct);
    public string? LocalPath(string snapshotId, string relativePath) => inner.LocalPath(snapshotId, relativePath);

    public Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, CancellationToken ct) => inner.TryAcquireLeaseAsync(holderId, duration, ct);
    public Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct) =>
        inner.TryAcquireLeaseAsync(holderId, duration, clock, ct);

    public Task<RepositorySettings?> ReadSettingsAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _settingsReads);
        return inner.ReadSettingsAsync(ct);
    }
    public Task WriteSettingsAsync(RepositorySettings settings, CancellationToken ct) => inner.WriteSettingsAsync(settings, ct);

    public Task<bool> WriteMarkAsync(string snapshotId, string name, string content, CancellationToken ct) => inner.WriteMarkAsync(snapshotId, name, content, ct);
    public Task<IReadOnlyList<(string Name, string Content)>> ReadMarksAsync(string snapshotId, string prefix, CancellationToken ct) =>
        inner.ReadMarksAsync(snapshotId, prefix, ct);
    public Task DeleteMarkAsync(string snapshotId, string name, CancellationToken ct) => inner.DeleteMarkAsync(snapshotId, name, ct);

    private sealed class CountingReadStream(Stream inner, string file, ConcurrentDictionary<string, long> counts) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));
        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Counted(await inner.ReadAsync(buffer, ct).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Counted(int read)
        {
            counts.AddOrUpdate(file, read, (_, total) => total + read);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
