using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>A cmdlet that reads from the source server: which member it reads from (mongodump's --readPreference).</summary>
public abstract class MongoReadingCmdlet : MongoEncryptedConnectionCmdlet
{
    /// <summary>A passphrase of at least 12 characters; stretched with PBKDF2 and the repository's salt.</summary>
    [Parameter]
    [ValidateNotNull]
    [SecureStringArgument]
    public SecureString? EncryptionKey { get; set; }

    /// <summary>A file holding a 256-bit key: 32 raw bytes, 64 hex characters or base64 text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKeyFile { get; set; }

    /// <summary>
    /// A backup is written under one key: -EncryptionKey or -EncryptionKeyFile, not both. The passphrase is not refused for
    /// its length here: the repository's judgement of the key (<see cref="SnapshotKeys"/>: its pinned key, a slice's chain,
    /// then the length rule only for a key the repository does not use yet) reports a short one where an existing key is
    /// expected as the wrong key (WrongEncryptionKey), as the readers do.
    /// </summary>
    protected override EncryptionKeySource? BuildEncryptionKeys() =>
        EncryptionKeyArguments.BuildExisting(EncryptionKey, EncryptionKeyFile, ResolvePath, WriteWarning);

    [Parameter]
    [ValidateSet("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest", IgnoreCase = true)]
    public string ReadPreference { get; set; } = "primary";

    /// <summary>The connection, reading with -ReadPreference.</summary>
    protected ConnectionSettings BuildReadingConnection() => BuildConnection(ReadPreference);
}

/// <summary>
/// A cmdlet that takes full backups (Backup-MongoDatabase, Invoke-MongoBackupPolicy): which databases and collections
/// they take, named the same way on both, with completion from the source server.
/// </summary>
public abstract class MongoBackupSourceCmdlet : MongoReadingCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string[]? Database { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string[]? ExcludeDatabase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(CollectionNameCompleter))]
    public string[]? Collection { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(CollectionNameCompleter))]
    public string[]? ExcludeCollection { get; set; }

    /// <summary>The namespaces the scope parameters select.</summary>
    protected NamespaceFilter SourceFilter() => new(Database, Collection, ExcludeCollection, excludeDatabases: ExcludeDatabase);
}
