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
    /// <summary>
    /// The one key new snapshots are written under (a backup, a repository's pinned key, the key a rotation moves to): a
    /// passphrase is chosen here, so one shorter than 12 characters is refused.
    /// </summary>
    /// <param name="warn">Told when the key file can be read or changed by other users (as ssh warns of an open private key).</param>
    public static EncryptionKeySource? Build(SecureString? passphrase, string? keyFile, Func<string, string> resolvePath, Action<string> warn,
        string passphraseParameter = "EncryptionKey", string keyFileParameter = "EncryptionKeyFile") =>
        Create(passphrase, keyFile, resolvePath, warn, passphraseParameter, keyFileParameter, chosenHere: true);

    /// <summary>
    /// The one key existing snapshots are encrypted with now (the key a rotation moves from): it is tried as given, without
    /// the length rule for a new passphrase, so a wrong one is reported as the wrong key whatever its length.
    /// </summary>
    public static EncryptionKeySource? BuildExisting(SecureString? passphrase, string? keyFile, Func<string, string> resolvePath, Action<string> warn) =>
        Create(passphrase, keyFile, resolvePath, warn, "EncryptionKey", "EncryptionKeyFile", chosenHere: false);

    private static EncryptionKeySource? Create(SecureString? passphrase, string? keyFile, Func<string, string> resolvePath, Action<string> warn,
        string passphraseParameter, string keyFileParameter, bool chosenHere)
    {
        if (passphrase is not null && keyFile is not null)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Give -{passphraseParameter} or -{keyFileParameter}, not both.", target: keyFileParameter);
        if (passphrase is not null)
        {
            if (chosenHere) KeyEncryptionKey.RequireLongEnough(passphrase);
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
    /// whose fingerprint its manifest records. A command that writes a snapshot takes one key (<see cref="Build(SecureString?, string?, Func{string, string}, Action{string}, string, string)"/>).
    /// These keys already exist, so a passphrase is tried whatever its length: a wrong one is reported as the wrong key.
    /// </summary>
    public static EncryptionKeySource? Build(IReadOnlyList<SecureString> passphrases, IReadOnlyList<string> keyFiles, Func<string, string> resolvePath, Action<string> warn)
    {
        if (passphrases.Count + keyFiles.Count <= 1)
            return BuildExisting(passphrases.FirstOrDefault(), keyFiles.FirstOrDefault(), resolvePath, warn);
        var paths = keyFiles.Select(resolvePath).ToList();
        foreach (var path in paths)
            if (KeyFileAccess.Warning(path) is { } exposed) warn(exposed);
        return EncryptionKeySource.FromKeys(passphrases, paths);
    }
}
