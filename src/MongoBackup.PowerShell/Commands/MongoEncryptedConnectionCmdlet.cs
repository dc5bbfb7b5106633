using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// A connecting cmdlet that also writes or reads encrypted snapshots: -EncryptionKey (passphrase) or
/// -EncryptionKeyFile (raw 256-bit key). Backups are encrypted under the one key given; restores take every key their
/// snapshots need (a window partly rotated to a new key), each snapshot opened with the one its manifest names.
/// </summary>
public abstract class MongoEncryptedConnectionCmdlet : MongoConnectionCmdlet
{
    private EncryptionKeySource? _keys;

    /// <summary>The key source the cmdlet's key parameters give (one key to write, several to read); null when none was given.</summary>
    protected abstract EncryptionKeySource? BuildEncryptionKeys();

    /// <summary>
    /// The key source for this command, built once so a passphrase is stretched once per repository even when many
    /// snapshots are piped in; null when no key was given.
    /// </summary>
    protected EncryptionKeySource? EncryptionKeys =>
        _keys ??= BuildEncryptionKeys();
}
