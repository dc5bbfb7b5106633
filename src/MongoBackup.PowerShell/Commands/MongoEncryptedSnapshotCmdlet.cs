using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// A cmdlet on existing snapshots that reads encrypted ones: -EncryptionKey and -EncryptionKeyFile (several of each when
/// the snapshots are not all under one key), turned into one key source for the whole pipeline so a passphrase is
/// stretched once, not once per snapshot.
/// </summary>
public abstract class MongoEncryptedSnapshotCmdlet : MongoSnapshotCmdlet
{
    /// <summary>The passphrases of encrypted snapshots (several when they are not all under one key).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SecureStringArgument]
    public SecureString[]? EncryptionKey { get; set; }

    /// <summary>The key files of encrypted snapshots, each matched to a snapshot by the fingerprint its manifest records.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? EncryptionKeyFile { get; set; }

    /// <summary>The key source the parameters name; null when neither was given.</summary>
    protected EncryptionKeySource? Keys { get; private set; }

    protected override void BeginProcessing() => RunHousekeeping(() =>
        Keys = EncryptionKeyArguments.Build(EncryptionKey ?? [], EncryptionKeyFile ?? [], ResolvePath, WriteWarning));
}
