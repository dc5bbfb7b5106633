using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The last step of every new snapshot (full or slice): bind each file to its namespace, record what the manifest
/// binds (<see cref="SnapshotManifest.Integrity"/>) and seal it with the data key when the snapshot is encrypted, before
/// <see cref="PendingSnapshot"/> commits it, which makes the snapshot exist.
/// </summary>
public static class SnapshotCommit
{
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
