namespace MongoBackup.Engine.Repository;

/// <summary>
/// The snapshots of a repository as one command sees them. Listing reads every manifest (on an object store, one
/// request each), so a command lists at most once: it makes one catalog and passes it to everything it runs (restore
/// windows, where the slice chain ends, the policy's decision, the passphrase's salt, retention and removal guards).
/// Nothing is read until the first question; the command tells the catalog what it commits and deletes itself, so
/// later steps see the repository as it now is without listing it again. A snapshot named by its exact id is read
/// directly (<see cref="FindAsync"/>), without listing.
/// </summary>
public sealed class SnapshotCatalog(ISnapshotRepository repository)
{
    private readonly object _gate = new();
    private Task<List<ManifestReadResult>>? _listing;

    /// <summary>The repository this catalog lists.</summary>
    public ISnapshotRepository Repository { get; } = repository ?? throw new ArgumentNullException(nameof(repository));

    /// <summary>
    /// One result per snapshot folder, in id order: its manifest, or why none could be read (missing: unfinished;
    /// damaged: finished, its data may be whole). Listed on the first call only.
    /// </summary>
    public async Task<IReadOnlyList<ManifestReadResult>> FoundAsync(CancellationToken ct)
    {
        var listing = await ListingAsync(ct).ConfigureAwait(false);
        lock (_gate) return listing.ToList();
    }

    /// <summary>The snapshots whose manifest was read and says Complete, newest first (by end time, then id).</summary>
    public async Task<IReadOnlyList<SnapshotManifest>> CompleteAsync(CancellationToken ct) =>
        (await FoundAsync(ct).ConfigureAwait(false))
            .Select(f => f.Manifest).OfType<SnapshotManifest>().Where(m => m.Status == SnapshotStatus.Complete)
            .OrderByDescending(m => m.EndTime).ThenByDescending(m => m.Id, StringComparer.Ordinal).ToList();

    /// <summary>The command committed <paramref name="manifest"/>: later questions see it (nothing happens before the first listing, which will).</summary>
    public void Committed(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Update(found =>
        {
            found.RemoveAll(f => f.SnapshotId == manifest.Id);
            found.Add(new ManifestReadResult(manifest.Id, manifest, null));
            found.Sort((a, b) => string.CompareOrdinal(a.SnapshotId, b.SnapshotId));
        });
    }

    /// <summary>
    /// Forgets the listing: the next question lists the repository again. For a command that runs for hours (a continuous
    /// capture) and must judge what other commands changed meanwhile (Update-MongoSnapshotKey rewriting every manifest).
    /// </summary>
    public void Refresh()
    {
        lock (_gate) _listing = null;
    }

    /// <summary>The command deleted snapshot <paramref name="snapshotId"/>: later questions no longer see it.</summary>
    public void Deleted(string snapshotId) => Update(found => found.RemoveAll(f => f.SnapshotId == snapshotId));

    /// <summary>The complete snapshots of <paramref name="repository"/>, newest first: one listing, for a caller that asks nothing else.</summary>
    public static Task<IReadOnlyList<SnapshotManifest>> LoadCompleteAsync(ISnapshotRepository repository, CancellationToken ct) =>
        new SnapshotCatalog(repository).CompleteAsync(ct);

    /// <summary>
    /// The snapshot with this exact id, read directly (its manifest alone, no listing); a clear error naming the
    /// repository when there is none, it never finished, or its manifest is damaged or names another snapshot.
    /// </summary>
    public static async Task<SnapshotManifest> FindAsync(ISnapshotRepository repository, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var found = SnapshotIds.CanNameSnapshot(id) ? await repository.ReadManifestAsync(id, ct).ConfigureAwait(false) : null;
        if (found is null)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound, $"There is no snapshot {id} in {repository.Location}.", target: id);
        if (found.IsDamaged)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot {id} in {repository.Location} has a damaged manifest, so nothing in it can be checked or read: {found.Error}", target: id);
        var manifest = found.Manifest ?? throw new MongoBackupException(ErrorIds.SnapshotNotFound,
            $"Snapshot {id} in {repository.Location} is incomplete: {found.Error}", target: id);
        // Files, and an encrypted snapshot's keys, are bound to the id: a manifest that names another snapshot is damaged.
        if (manifest.Id != id)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"The {SnapshotManifest.FileName} of snapshot {id} in {repository.Location} names snapshot '{manifest.Id}': it was changed or damaged.", target: id);
        return manifest;
    }

    private Task<List<ManifestReadResult>> ListingAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            // A listing that failed (or was cancelled) is not kept: the next question lists again.
            if (_listing is null || _listing.IsFaulted || _listing.IsCanceled) _listing = ListAsync(ct);
            return _listing;
        }
    }

    private async Task<List<ManifestReadResult>> ListAsync(CancellationToken ct)
    {
        var found = new List<ManifestReadResult>();
        await foreach (var result in Repository.ListAsync(ct).ConfigureAwait(false)) found.Add(result);
        return found;
    }

    private void Update(Action<List<ManifestReadResult>> change)
    {
        lock (_gate)
        {
            if (_listing is { IsCompletedSuccessfully: true } listing) change(listing.Result);
        }
    }
}
