using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The last step of every new snapshot (full or slice): bind each file to its namespace, record what the manifest
/// binds (<see cref="SnapshotManifest.Integrity"/>), seal it with the data key when the snapshot is encrypted, and
/// commit it, which makes the snapshot exist. Writers go through <see cref="PendingSnapshot"/>, which calls <see cref="Prepare"/>.
/// </summary>
public static class SnapshotCommit
{
    /// <summary>Prepares <paramref name="manifest"/> and commits it without replacing any manifest of its id.</summary>
    /// <exception cref="MongoBackupException">SnapshotExists when a manifest of that id is already there; the store's failures.</exception>
    public static Task CommitNewAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        Prepare(manifest, dataKey);
        return repository.CommitNewManifestAsync(manifest, ct);
    }

    /// <summary>Binds each of the manifest's files to its namespace, records the integrity level and seals it with <paramref name="dataKey"/> (none: unsealed).</summary>
    public static void Prepare(SnapshotManifest manifest, DataKey? dataKey)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.Integrity = SnapshotManifest.CurrentIntegrity;
        manifest.Files = ManifestBinding.Bind(manifest.Files, manifest.Namespaces, manifest.Compression);
        if (dataKey is null) manifest.Seal = null;
        else ManifestSealer.Seal(manifest, dataKey);
    }
}
