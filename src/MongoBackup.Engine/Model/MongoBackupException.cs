namespace MongoBackup.Engine.Model;

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/> (documented, used as the PowerShell error id),
/// a category for PowerShell, the thing that was wrong, and a message that names it (never a secret).
/// </summary>
public class MongoBackupException : Exception
{
    public MongoBackupException(string errorId, string message, Exception? inner = null, string? target = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Target = target;
    }

    public string ErrorId { get; }
    /// <summary>What the error is about: a namespace, a file, a repository, a server (redacted).</summary>
    public string? Target { get; }
}

/// <summary>The stable error ids; each one is documented in about_MongoBackup.</summary>
public static class ErrorIds
{
    public const string InvalidArgument = "MongoBackup.InvalidArgument";
    public const string InvalidConnectionString = "MongoBackup.InvalidConnectionString";
    public const string ServerUnreachable = "MongoBackup.ServerUnreachable";
    public const string AuthenticationFailed = "MongoBackup.AuthenticationFailed";
    public const string NotAuthorized = "MongoBackup.NotAuthorized";
    public const string ShardedNotSupported = "MongoBackup.ShardedClusterNotSupported";
    public const string NothingToBackUp = "MongoBackup.NothingSelected";
    public const string DatabaseNotFound = "MongoBackup.DatabaseNotFound";
    public const string RepositoryNotWritable = "MongoBackup.RepositoryNotWritable";
    public const string RepositoryFull = "MongoBackup.RepositoryFull";
    /// <summary>An object store's endpoint did not answer (network, DNS, TLS, service down).</summary>
    public const string RepositoryUnavailable = "MongoBackup.RepositoryUnavailable";
    /// <summary>An object store refused the credentials or the permissions they carry.</summary>
    public const string RepositoryAccessDenied = "MongoBackup.RepositoryAccessDenied";
    /// <summary>The container or bucket a repository names does not exist.</summary>
    public const string RepositoryNotFound = "MongoBackup.RepositoryNotFound";
    public const string BackupFailed = "MongoBackup.BackupFailed";
    /// <summary>A catalog change a backup cannot make consistent (a rename inside its scope) happened while it ran; nothing was kept.</summary>
    public const string CatalogChangedDuringBackup = "MongoBackup.CatalogChangedDuringBackup";
    public const string SnapshotNotFound = "MongoBackup.SnapshotNotFound";
    public const string CorruptFile = "MongoBackup.CorruptFile";
    public const string TargetNotEmpty = "MongoBackup.TargetNotEmpty";
    public const string NamespaceRestoreFailed = "MongoBackup.NamespaceRestoreFailed";
    public const string OplogReplayFailed = "MongoBackup.OplogReplayFailed";
    public const string SourceNotFound = "MongoBackup.SourceNotFound";
    public const string NoOplog = "MongoBackup.NoOplog";
    public const string NoBaseSnapshot = "MongoBackup.NoBaseSnapshot";
    public const string OutsideRestoreWindow = "MongoBackup.OutsideRestoreWindow";
    /// <summary>No full snapshot in the repository covers what a point-in-time restore asks for (its databases, collections or namespaces).</summary>
    public const string ScopeNotCovered = "MongoBackup.ScopeNotCovered";
    public const string WrongEncryptionKey = "MongoBackup.WrongEncryptionKey";
    public const string EncryptionKeyRequired = "MongoBackup.EncryptionKeyRequired";
    /// <summary>Export-MongoSnapshot could not write its destination (nothing is left there).</summary>
    public const string ExportFailed = "MongoBackup.ExportFailed";
    /// <summary>A repository lease this run held was taken over by another holder (it expired unrenewed, or was broken).</summary>
    public const string LeaseLost = "MongoBackup.LeaseLost";
    /// <summary>The repository kind, or the service behind it, cannot grant a lease.</summary>
    public const string LeaseNotSupported = "MongoBackup.LeaseNotSupported";
}
