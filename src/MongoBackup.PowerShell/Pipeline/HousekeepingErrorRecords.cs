using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Housekeeping;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>Error records for the housekeeping cmdlets: the housekeeping ids get their own categories, the rest as EngineErrors maps them.</summary>
public static class HousekeepingErrorRecords
{
    public static ErrorRecord ToRecord(MongoBackupException error, object? target = null) =>
        new(error, error.ErrorId, CategoryOf(error.ErrorId), target ?? error.Target);

    public static ErrorCategory CategoryOf(string errorId) => errorId switch
    {
        HousekeepingErrorIds.SnapshotExists => ErrorCategory.ResourceExists,
        HousekeepingErrorIds.SnapshotInUse => ErrorCategory.InvalidOperation,
        HousekeepingErrorIds.SnapshotDamaged => ErrorCategory.InvalidData,
        HousekeepingErrorIds.SnapshotBeingRead => ErrorCategory.ResourceBusy,
        HousekeepingErrorIds.SnapshotTestFailed => ErrorCategory.InvalidData,
        _ => EngineErrors.CategoryOf(errorId),
    };
}
