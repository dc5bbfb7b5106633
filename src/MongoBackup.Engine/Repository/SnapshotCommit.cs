using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The last step of every new snapshot (full or slice): bind each file to its namespace, record what the manifest
/// binds (<see cref="SnapshotManifest.Integrity"/>), seal it with the data key when the snapshot is encrypted, and
/// commit it, which makes the snapshot exist.
/// </summary>
public static class SnapshotCommit
{
    public static Task CommitNewAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        manifest.Integrity = SnapshotManifest.CurrentIntegrity;
        manifest.Files = ManifestBinding.Bind(manifest.Files, manifest.Namespaces, manifest.Compression);
        if (dataKey is null) manifest.Seal = null;
        else ManifestSealer.Seal(manifest, dataKey);
        return repository.CommitManifestAsync(manifest, ct);
    }
}
