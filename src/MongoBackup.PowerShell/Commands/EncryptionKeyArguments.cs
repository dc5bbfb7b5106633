using System.Security;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Turns a cmdlet's passphrase / key-file parameter pair into the engine's key source, refusing both at once.
/// Every cmdlet that takes a key goes through here, so the rule and its message are the same everywhere.
/// </summary>
public static class EncryptionKeyArguments
{
    /// <param name="warn">Told when the key file can be read or changed by other users (as ssh warns of an open private key).</param>
    public static EncryptionKeySource? Build(SecureString? passphrase, string? keyFile, Func<string, string> resolvePath, Action<string> warn,
        string passphraseParameter = "EncryptionKey", string keyFileParameter = "EncryptionKeyFile")
    {
        if (passphrase is not null && keyFile is not null)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Give -{passphraseParameter} or -{keyFileParameter}, not both.", target: keyFileParameter);
        if (passphrase is not null)
        {
            KeyEncryptionKey.RequireLongEnough(passphrase);
            return EncryptionKeySource.FromPassphrase(passphrase);
        }
        if (keyFile is null) return null;
        var path = resolvePath(keyFile);
        if (KeyFileAccess.Warning(path) is { } exposed) warn(exposed);
        return EncryptionKeySource.FromKeyFile(path);
    }
}
