using System.Security;
using MongoBackup.Engine;
using MongoBackup.Engine.Security;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Turns a cmdlet's passphrase / key-file parameter pair into the engine's key source, refusing both at once.
/// Every cmdlet that takes a key goes through here, so the rule and its message are the same everywhere.
/// </summary>
public static class EncryptionKeyArguments
{
    public static EncryptionKeySource? Build(SecureString? passphrase, string? keyFile, Func<string, string> resolvePath,
        string passphraseParameter = "EncryptionKey", string keyFileParameter = "EncryptionKeyFile")
    {
        if (passphrase is not null && keyFile is not null)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Give -{passphraseParameter} or -{keyFileParameter}, not both.", target: keyFileParameter);
        return passphrase is not null ? EncryptionKeySource.FromPassphrase(passphrase)
            : keyFile is not null ? EncryptionKeySource.FromKeyFile(resolvePath(keyFile))
            : null;
    }
}
