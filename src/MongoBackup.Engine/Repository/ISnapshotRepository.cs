namespace MongoBackup.Engine.Repository;

/// <summary>Where snapshots are kept: a local folder, or a blob store. Each snapshot is a folder-like prefix named by its id.</summary>
public interface ISnapshotRepository
{
    /// <summary>Shown to users; never holds a secret.</summary>
    string Location { get; }

    /// <summary>Creates a file in a snapshot; the returned stream counts and hashes what is written and gives a manifest entry once disposed.</summary>
    Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct);

    Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct);

    /// <summary>Writes manifest.json atomically (temp file then rename, or upload last); the snapshot exists only after this.</summary>
    Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct);

    /// <summary>One result per snapshot folder: its manifest, or why none could be read (missing or unreadable means incomplete).</summary>
    IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct);

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

    Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct);

    /// <summary>A folder repository's real path to a snapshot file, or to the snapshot folder when relativePath is empty (for pipeline objects); null for blob stores.</summary>
    string? LocalPath(string snapshotId, string relativePath);
}
