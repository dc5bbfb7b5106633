using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// A connecting cmdlet that also writes or reads encrypted snapshots: -EncryptionKey (passphrase) or
/// -EncryptionKeyFile (raw 256-bit key). Backups are encrypted when one is given; restores need it for encrypted snapshots.
/// </summary>
public abstract class MongoEncryptedConnectionCmdlet : MongoConnectionCmdlet
{
    private EncryptionKeySource? _keys;

    /// <summary>A passphrase of at least 12 characters; stretched with PBKDF2 and the repository's salt.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? EncryptionKey { get; set; }

    /// <summary>A file holding a 256-bit key: 32 raw bytes, 64 hex characters or base64 text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKeyFile { get; set; }

    /// <summary>
    /// The key source for this command, built once so a passphrase is stretched once per repository even when many
    /// snapshots are piped in; null when no key was given.
    /// </summary>
    protected EncryptionKeySource? EncryptionKeys =>
        _keys ??= EncryptionKeyArguments.Build(EncryptionKey, EncryptionKeyFile, ResolvePath, WriteWarning);
}
