namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// The stable error ids of catalog housekeeping (copy, remove, test, retention). Kept beside the code that raises
/// them; documented in each cmdlet's help and in about_MongoBackup.
/// </summary>
public static class HousekeepingErrorIds
{
    /// <summary>The destination already holds a snapshot with that id (Copy-MongoSnapshot without -Force).</summary>
    public const string SnapshotExists = "MongoBackup.SnapshotExists";

    /// <summary>Removing the snapshot would break a restore window that is kept (Remove-MongoSnapshot without -Force).</summary>
    public const string SnapshotInUse = "MongoBackup.SnapshotInUse";

    /// <summary>
    /// The snapshot's manifest exists but is damaged: it may hold a whole backup, so it is removed only when named by id
    /// with -Force (never from a pipeline, never by retention).
    /// </summary>
    public const string SnapshotDamaged = "MongoBackup.SnapshotDamaged";

    /// <summary>
    /// A restore, test or copy holds a read lease on the snapshot: removing it now would break that run half-way, so the
    /// removal is refused (even with -Force) naming the reader and when its lease runs out.
    /// </summary>
    public const string SnapshotBeingRead = "MongoBackup.SnapshotBeingRead";

    /// <summary>Test-MongoSnapshot found a damaged file or a restore that did not match the manifest.</summary>
    public const string SnapshotTestFailed = "MongoBackup.SnapshotTestFailed";
}
