using System.Management.Automation;
using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// Failures as PowerShell error records: the stable id (<see cref="ErrorIds"/>), the one category each id has whichever
/// cmdlet raises it (a script can test either), and the target. Every cmdlet makes its error records here.
/// </summary>
public static class EngineErrors
{
    public static ErrorRecord ToRecord(MongoBackupException error, object? target = null) =>
        new(error, error.ErrorId, CategoryOf(error.ErrorId), target ?? error.Target);

    /// <summary>A failure the engine did not describe itself (a bug or an environment problem): <see cref="ErrorIds.UnexpectedError"/>.</summary>
    public static ErrorRecord Unexpected(Exception error, object? target = null) =>
        new(error, ErrorIds.UnexpectedError, CategoryOf(ErrorIds.UnexpectedError), target);

    /// <summary>The category of an error id; NotSpecified only for <see cref="ErrorIds.UnexpectedError"/> (and an id that is not one of ours).</summary>
    public static ErrorCategory CategoryOf(string errorId) => errorId switch
    {
        ErrorIds.InvalidArgument or ErrorIds.InvalidConnectionString
            or ErrorIds.OutsideRestoreWindow or ErrorIds.ScopeNotCovered => ErrorCategory.InvalidArgument,
        ErrorIds.ServerUnreachable or ErrorIds.RepositoryUnavailable => ErrorCategory.ConnectionError,
        ErrorIds.AuthenticationFailed => ErrorCategory.AuthenticationError,
        ErrorIds.NotAuthorized or ErrorIds.RepositoryAccessDenied => ErrorCategory.PermissionDenied,
        ErrorIds.WrongEncryptionKey or ErrorIds.EncryptionKeyRequired => ErrorCategory.SecurityError,
        ErrorIds.ShardedClusterNotSupported or ErrorIds.LeaseNotSupported => ErrorCategory.NotImplemented,
        ErrorIds.NoOplog or ErrorIds.SnapshotInUse or ErrorIds.BalancerRunning or ErrorIds.ShardKeyConflict
            or ErrorIds.TargetIncompatible => ErrorCategory.InvalidOperation,
        ErrorIds.NothingSelected or ErrorIds.DatabaseNotFound or ErrorIds.SnapshotNotFound or ErrorIds.SourceNotFound
            or ErrorIds.NoBaseSnapshot or ErrorIds.RepositoryNotFound => ErrorCategory.ObjectNotFound,
        ErrorIds.RepositoryNotWritable or ErrorIds.NamespaceRestoreFailed or ErrorIds.OplogReplayFailed
            or ErrorIds.ExportFailed => ErrorCategory.WriteError,
        ErrorIds.RepositoryFull => ErrorCategory.ResourceUnavailable,
        ErrorIds.CorruptFile or ErrorIds.SnapshotDamaged or ErrorIds.SnapshotTestFailed => ErrorCategory.InvalidData,
        ErrorIds.TargetNotEmpty or ErrorIds.SnapshotExists => ErrorCategory.ResourceExists,
        ErrorIds.SnapshotBeingRead or ErrorIds.SnapshotBeingWritten or ErrorIds.ChunkMigrationRunning => ErrorCategory.ResourceBusy,
        ErrorIds.BackupFailed or ErrorIds.CatalogChangedDuringBackup or ErrorIds.LeaseLost => ErrorCategory.OperationStopped,
        ErrorIds.ConfirmationRequired => ErrorCategory.InvalidOperation,
        _ => ErrorCategory.NotSpecified,
    };
}
