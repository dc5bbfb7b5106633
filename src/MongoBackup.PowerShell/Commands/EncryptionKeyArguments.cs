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

    /// <summary>
    /// The keys of a command that reads snapshots (a restore, a test, an export): several passphrases and key files may be
    /// given together, for a window or a set of snapshots not all under one key; each snapshot is opened with the key
    /// whose fingerprint its manifest records. A command that writes a snapshot takes one key (the overload above).
    /// </summary>
    public static EncryptionKeySource? Build(IReadOnlyList<SecureString> passphrases, IReadOnlyList<string> keyFiles, Func<string, string> resolvePath, Action<string> warn)
    {
        if (passphrases.Count + keyFiles.Count <= 1)
            return Build(passphrases.FirstOrDefault(), keyFiles.FirstOrDefault(), resolvePath, warn);
        foreach (var passphrase in passphrases) KeyEncryptionKey.RequireLongEnough(passphrase);
        var paths = keyFiles.Select(resolvePath).ToList();
        foreach (var path in paths)
            if (KeyFileAccess.Warning(path) is { } exposed) warn(exposed);
        return EncryptionKeySource.FromKeys(passphrases, paths);
    }
}
