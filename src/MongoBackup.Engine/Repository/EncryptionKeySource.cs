using System.Security;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Where the user's key comes from (-EncryptionKey passphrase or -EncryptionKeyFile). A passphrase is stretched
/// with the repository's salt (taken from any encrypted snapshot already there, else new), so one repository
/// needs one key derivation per run however many snapshots it reads.
/// </summary>
public sealed class EncryptionKeySource
{
    private readonly SecureString? _passphrase;
    private readonly string? _keyFile;
    private readonly Dictionary<string, KeyEncryptionKey> _derived = new(StringComparer.Ordinal);

    private EncryptionKeySource(SecureString? passphrase, string? keyFile)
    {
        _passphrase = passphrase;
        _keyFile = keyFile;
    }

    /// <summary>Keys from a passphrase, stretched with PBKDF2-SHA256 and the repository's salt (see <see cref="KeyEncryptionKey"/>); the passphrase is kept, not copied.</summary>
    public static EncryptionKeySource FromPassphrase(SecureString passphrase) => new(passphrase, null);
    /// <summary>Keys from a key file of 32 random bytes (read when first needed; errors name the file).</summary>
    public static EncryptionKeySource FromKeyFile(string path) => new(null, path);

    /// <summary>
    /// The key to encrypt a new snapshot in the catalog's repository with: a passphrase is stretched with the salt the
    /// repository's settings record, else the one its encrypted snapshots share (the catalog is listed only then), else a new one.
    /// </summary>
    public async Task<KeyEncryptionKey> ForNewSnapshotAsync(SnapshotCatalog catalog, RepositorySettings? settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (_keyFile is not null) return ForKeyFile();
        if (settings is { KdfSalt: { } salt, KdfIterations: > 0 }) return Derive(Convert.FromBase64String(salt), settings.KdfIterations);
        var existing = (await catalog.CompleteAsync(ct))
            .Select(s => s.Encryption)
            .FirstOrDefault(e => e is { Kdf: KeyEncryptionKey.PassphraseKdf, KdfSalt: not null });
        return existing is null
            ? Derive(KeyEncryptionKey.NewSalt(), KeyEncryptionKey.DefaultIterations)
            : Derive(Convert.FromBase64String(existing.KdfSalt!), existing.KdfIterations);
    }

    /// <summary>
    /// Whether this is the key a snapshot encrypted as <paramref name="encryption"/> says was wrapped with: its
    /// fingerprint, derived with that snapshot's own salt, is the one recorded. A snapshot written before a repository
    /// kept one salt may carry another fingerprint for the same passphrase; this compares the keys, not the texts.
    /// </summary>
    public bool IsKeyOf(ManifestEncryption encryption)
    {
        ArgumentNullException.ThrowIfNull(encryption);
        if (encryption.Kdf == KeyEncryptionKey.PassphraseKdf ? _passphrase is null || encryption.KdfSalt is null : _keyFile is null) return false;
        try { return string.Equals(ForExisting(encryption).Fingerprint, encryption.KeyId, StringComparison.OrdinalIgnoreCase); }
        catch (FormatException) { return false; } // a damaged salt: opening the snapshot says so
    }

    /// <summary>The key that opens a snapshot encrypted as <paramref name="encryption"/> says.</summary>
    public KeyEncryptionKey ForExisting(ManifestEncryption encryption) =>
        encryption.Kdf == KeyEncryptionKey.PassphraseKdf && _passphrase is not null
            ? Derive(Convert.FromBase64String(encryption.KdfSalt!), encryption.KdfIterations)
            : _keyFile is not null
                ? ForKeyFile()
                : throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
                    $"The snapshot was encrypted with a {(encryption.Kdf == KeyEncryptionKey.KeyFileKdf ? "key file" : "passphrase")} (key {encryption.KeyId}); give -{(encryption.Kdf == KeyEncryptionKey.KeyFileKdf ? "EncryptionKeyFile" : "EncryptionKey")}.");

    private KeyEncryptionKey ForKeyFile()
    {
        if (!_derived.TryGetValue("file", out var key)) _derived["file"] = key = KeyEncryptionKey.FromKeyFile(_keyFile!);
        return key;
    }

    private KeyEncryptionKey Derive(byte[] salt, int iterations)
    {
        var cacheKey = Convert.ToBase64String(salt) + "/" + iterations;
        if (!_derived.TryGetValue(cacheKey, out var key))
            _derived[cacheKey] = key = KeyEncryptionKey.FromPassphrase(_passphrase!, salt, iterations);
        return key;
    }
}
