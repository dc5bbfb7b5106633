namespace MongoBackup.Engine.Repository;

/// <summary>Where snapshots are kept: a local folder, or a blob store. Each snapshot is a folder-like prefix named by its id.</summary>
public interface ISnapshotRepository
{
    /// <summary>Shown to users; never holds a secret.</summary>
    string Location { get; }

    /// <summary>Creates a file in a snapshot; the returned stream counts and hashes what is written and gives a manifest entry once disposed.</summary>
    Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct);

    /// <summary>The stored bytes of a snapshot file (compressed and encrypted as stored), read forward once.</summary>
    /// <exception cref="FileNotFoundException">The snapshot has no such file.</exception>
    /// <exception cref="MongoBackupException">An object store's translated failures.</exception>
    Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct);

    /// <summary>Writes manifest.json atomically (temp file then rename, or upload last); the snapshot exists only after this.</summary>
    Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct);

    /// <summary>
    /// Reserves <paramref name="snapshotId"/> for a new snapshot before any of its files is written: creates the
    /// snapshot's marker (<see cref="SnapshotFolderMarker.FileName"/>) only if nothing of that id exists yet, with a
    /// create-if-absent (FileMode.CreateNew on a folder, If-None-Match: * on Azure Blob Storage and S3), so of two writers
    /// that chose the same id exactly one gets it. True when this caller now owns the id; false when it is taken (a
    /// snapshot, complete or not, or another writer's reservation). Once reserved, the id lists as an unfinished
    /// snapshot until its manifest is committed or the snapshot is deleted.
    /// This default, for wrappers that forward nothing else, only checks that no snapshot of that id is listed (not atomic);
    /// the repositories override it.
    /// </summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable (read-only repository or media) or the store's translated failure.</exception>
    async Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct) =>
        await ReadManifestAsync(snapshotId, ct).ConfigureAwait(false) is null;

    /// <summary>
    /// Commits the manifest of a new snapshot, as <see cref="CommitManifestAsync"/> does (atomically, after its files),
    /// but never over an existing manifest: the commit is a create-if-absent (a rename that refuses an existing target
    /// on a folder, If-None-Match: * on Azure Blob Storage and S3).
    /// This default, for wrappers, checks first and then commits (not atomic); the repositories override it.
    /// </summary>
    /// <exception cref="MongoBackupException">SnapshotExists when a manifest of that id is already there (it is left as it was).</exception>
    async Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (await ReadManifestAsync(manifest.Id, ct).ConfigureAwait(false) is { State: not ManifestState.Missing })
            throw SnapshotManifestExists(manifest.Id, Location);
        await CommitManifestAsync(manifest, ct).ConfigureAwait(false);
    }

    /// <summary>The error a commit that would replace another snapshot's manifest gets.</summary>
    internal static MongoBackupException SnapshotManifestExists(string snapshotId, string location) =>
        new(ErrorIds.SnapshotExists,
            $"{location} already holds a committed snapshot {snapshotId}; this one was not committed over it (two writers chose the same id).",
            target: snapshotId);

    /// <summary>
    /// One result per snapshot folder, under the folder's own id: its manifest, or why none could be read (missing or
    /// unreadable means incomplete; a manifest that names another id than its folder's is damaged, never listed as that id).
    /// A folder without a manifest is a snapshot only when named by a backup (<see cref="SnapshotIds.IsGiven"/>) or marked by
    /// one (<see cref="SnapshotFolderMarker"/>); any other (an export kept beside the snapshots) is not listed.
    /// </summary>
    IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct);

    /// <summary>
    /// <see cref="ListAsync"/>'s one pass, with the folders it left out named beside the snapshots. Repositories over a
    /// store (<see cref="BlobStoreRepository"/>) name them from the same reads; this default, for a repository that cannot
    /// tell, lists and names none.
    /// </summary>
    async Task<SnapshotListing> ListWithOtherFoldersAsync(CancellationToken ct)
    {
        var snapshots = new List<ManifestReadResult>();
        await foreach (var result in ListAsync(ct).ConfigureAwait(false)) snapshots.Add(result);
        return new SnapshotListing(snapshots, []);
    }

    /// <summary>
    /// The manifest of one snapshot, read directly: as <see cref="ListAsync"/> would give it for that folder, or null when
    /// there is no snapshot folder of that id. Repositories read the one manifest; this default, for a repository that
    /// cannot, lists them all and picks it.
    /// </summary>
    async Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct)
    {
        await foreach (var result in ListAsync(ct).ConfigureAwait(false))
            if (result.SnapshotId == snapshotId) return result;
        return null;
    }

    /// <summary>Removes every file of the snapshot, its manifest first (a removal cut short leaves an unfinished snapshot, never a "complete" one with files missing).</summary>
    /// <exception cref="DirectoryNotFoundException">Nothing of that id exists.</exception>
    /// <exception cref="MongoBackupException">An object store's translated failures.</exception>
    Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct);

    /// <summary>
    /// Where runs leave their marks on this repository's snapshots (readers' and writers' leases, removals); null when it
    /// keeps none. A wrapper forwards its inner repository's, so a run through it is seen by removals all the same.
    /// </summary>
    ISnapshotMarks? Marks => this as ISnapshotMarks;

    /// <summary>
    /// The path, relative to its folder, of each file stored for the snapshot (marks included), from one listing of its
    /// prefix; null when the repository cannot list them. A writer checks its files against it before committing.
    /// </summary>
    Task<IReadOnlySet<string>?> ListFilesAsync(string snapshotId, CancellationToken ct) =>
        Task.FromResult<IReadOnlySet<string>?>(null);

    /// <summary>A folder repository's real path to a snapshot file, or to the snapshot folder when relativePath is empty (for pipeline objects); null for blob stores.</summary>
    string? LocalPath(string snapshotId, string relativePath);
}
