namespace MongoBackup.Engine.Repository;

/// <summary>What a snapshot folder's manifest says about it.</summary>
public enum ManifestState
{
    /// <summary>manifest.json was read: the snapshot is whole (whatever status it records).</summary>
    Readable,

    /// <summary>No manifest.json (perhaps a manifest.json.tmp): the backup never finished, or is still running.</summary>
    Missing,

    /// <summary>
    /// manifest.json exists but cannot be read or parsed (cut short, altered, unreadable), or names another snapshot than
    /// its folder (a folder copied under another name): the backup did finish, so its data may be intact. Never treated as unfinished: nothing removes it without being told by id and with -Force.
    /// </summary>
    Damaged,
}

/// <summary>One snapshot folder found in a repository: its manifest, or why it could not be read, and which of the two cases that is.</summary>
public sealed record ManifestReadResult(string SnapshotId, SnapshotManifest? Manifest, string? Error, ManifestState State = ManifestState.Readable)
{
    /// <summary>True when the manifest was read: the snapshot is whole, whatever status it records.</summary>
    public bool IsComplete => Manifest is not null;

    /// <summary>The manifest exists but could not be read: see <see cref="ManifestState.Damaged"/>.</summary>
    public bool IsDamaged => State == ManifestState.Damaged;

    /// <summary>No manifest: the snapshot never finished (or is being written); <paramref name="why"/> says so to the user.</summary>
    public static ManifestReadResult Missing(string id, string why) => new(id, null, why, ManifestState.Missing);

    /// <summary>A manifest that cannot be read or parsed; <paramref name="why"/> names the file and the fault.</summary>
    public static ManifestReadResult Damaged(string id, string why) => new(id, null, why, ManifestState.Damaged);
}
