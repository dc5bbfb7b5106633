using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>A repository that passes everything to another; tests override the one call they watch or break.</summary>
public abstract class DelegatingRepository(ISnapshotRepository inner) : ISnapshotRepository
{
    protected ISnapshotRepository Inner { get; } = inner;

    public virtual string Location => Inner.Location;
    public virtual Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct) => Inner.CreateFileAsync(snapshotId, relativePath, ct);
    public virtual Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) => Inner.OpenReadAsync(snapshotId, relativePath, ct);
    public virtual Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct) => Inner.CommitManifestAsync(manifest, ct);
    public virtual Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct) => Inner.CommitNewManifestAsync(manifest, ct);
    public virtual Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct) => Inner.TryReserveAsync(snapshotId, ct);
    public virtual Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct) => Inner.ReadManifestAsync(snapshotId, ct);
    public virtual IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct) => Inner.ListAsync(ct);
    public virtual Task<SnapshotListing> ListWithOtherFoldersAsync(CancellationToken ct) => Inner.ListWithOtherFoldersAsync(ct);
    public virtual Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => Inner.DeleteSnapshotAsync(snapshotId, ct);
    public virtual string? LocalPath(string snapshotId, string relativePath) => Inner.LocalPath(snapshotId, relativePath);
    public virtual ISnapshotMarks? Marks => Inner.Marks;
    public virtual Task<IReadOnlySet<string>?> ListFilesAsync(string snapshotId, CancellationToken ct) => Inner.ListFilesAsync(snapshotId, ct);
}
