namespace MongoBackup.Engine.Repository;

/// <summary>
/// One snapshot folder found in a repository: its manifest, or why it could not be read. A folder
/// without a readable manifest is an incomplete snapshot (a backup that crashed or is still running).
/// </summary>
public sealed record ManifestReadResult(string SnapshotId, SnapshotManifest? Manifest, string? Error)
{
    public bool IsComplete => Manifest is not null;
}
