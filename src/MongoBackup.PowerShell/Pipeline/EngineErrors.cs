using System.Management.Automation;
using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>Engine failures as PowerShell error records: the engine's stable id, a category a script can test, the target.</summary>
public static class EngineErrors
{
    /// <summary>The id of failures the engine did not describe itself (a bug or an environment problem).</summary>
    public const string UnexpectedErrorId = "MongoBackup.UnexpectedError";

    public static ErrorRecord ToRecord(MongoBackupException error, object? target = null) =>
        new(error, error.ErrorId, CategoryOf(error.ErrorId), target ?? error.Target);

    public static ErrorRecord Unexpected(Exception error, object? target = null) =>
        new(error, UnexpectedErrorId, ErrorCategory.NotSpecified, target);

    public static ErrorCategory CategoryOf(string errorId) => errorId switch
    {
        ErrorIds.InvalidArgument or ErrorIds.InvalidConnectionString => ErrorCategory.InvalidArgument,
        ErrorIds.ServerUnreachable => ErrorCategory.ConnectionError,
        ErrorIds.AuthenticationFailed => ErrorCategory.AuthenticationError,
        ErrorIds.NotAuthorized => ErrorCategory.PermissionDenied,
        ErrorIds.ShardedNotSupported => ErrorCategory.NotImplemented,
        ErrorIds.OutsideRestoreWindow or ErrorIds.ScopeNotCovered => ErrorCategory.InvalidArgument,
        ErrorIds.NoOplog => ErrorCategory.InvalidOperation,
        ErrorIds.NoBaseSnapshot or ErrorIds.NothingToBackUp or ErrorIds.DatabaseNotFound or ErrorIds.SnapshotNotFound or ErrorIds.SourceNotFound => ErrorCategory.ObjectNotFound,
        ErrorIds.RepositoryNotWritable or ErrorIds.NamespaceRestoreFailed or ErrorIds.OplogReplayFailed or ErrorIds.ExportFailed => ErrorCategory.WriteError,
        ErrorIds.RepositoryFull => ErrorCategory.ResourceUnavailable,
        ErrorIds.CorruptFile => ErrorCategory.InvalidData,
        ErrorIds.TargetNotEmpty => ErrorCategory.ResourceExists,
        ErrorIds.BackupFailed or ErrorIds.CatalogChangedDuringBackup => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };
}
