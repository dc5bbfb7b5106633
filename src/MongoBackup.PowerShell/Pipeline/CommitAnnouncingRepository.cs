using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// A repository that tells the cmdlet about each snapshot the moment its manifest is committed, so a long-running
/// engine call (a continuous oplog capture) can emit each slice as it closes instead of all of them at the end; and,
/// when asked, about the first snapshot id reserved in it (<see cref="FirstReserved"/>), the moment a run stops checking
/// and starts writing. Everything else goes straight to the real repository.
/// </summary>
public sealed class CommitAnnouncingRepository(ISnapshotRepository inner, Action<SnapshotManifest> committed) : ISnapshotRepository, IRepositorySettingsStore
{
    private int _reserved;

    /// <summary>
    /// Called once, when the first snapshot id is reserved: a backup refused before it writes (a running balancer, a key
    /// the settings refuse) never calls it, so what it says (a new repository started) is said only of a run that goes ahead.
    /// </summary>
    public Action? FirstReserved { get; init; }

    public Task<RepositorySettings?> ReadSettingsAsync(CancellationToken ct) => RepositorySettingsStore.ReadAsync(inner, ct);

    public Task WriteSettingsAsync(RepositorySettings settings, CancellationToken ct) =>
        inner is IRepositorySettingsStore store ? store.WriteSettingsAsync(settings, ct)
            : throw new NotSupportedException($"{inner.Location} keeps no settings.");

    public string Location => inner.Location;

    public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct) =>
        inner.CreateFileAsync(snapshotId, relativePath, ct);

    public Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) =>
        inner.OpenReadAsync(snapshotId, relativePath, ct);

    public async Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        await inner.CommitManifestAsync(manifest, ct).ConfigureAwait(false);
        committed(manifest);
    }

    public async Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        await inner.CommitNewManifestAsync(manifest, ct).ConfigureAwait(false);
        committed(manifest);
    }

    public async Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct)
    {
        var reserved = await inner.TryReserveAsync(snapshotId, ct).ConfigureAwait(false);
        if (reserved && FirstReserved is { } first && Interlocked.Exchange(ref _reserved, 1) == 0) first();
        return reserved;
    }

    public IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct) => inner.ListAsync(ct);

    public Task<SnapshotListing> ListWithOtherFoldersAsync(CancellationToken ct) => inner.ListWithOtherFoldersAsync(ct);

    public Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct) => inner.ReadManifestAsync(snapshotId, ct);

    public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshotId, ct);

    public string? LocalPath(string snapshotId, string relativePath) => inner.LocalPath(snapshotId, relativePath);

    public ISnapshotMarks? Marks => inner.Marks;

    public Task<IReadOnlySet<string>?> ListFilesAsync(string snapshotId, CancellationToken ct) => inner.ListFilesAsync(snapshotId, ct);
}
