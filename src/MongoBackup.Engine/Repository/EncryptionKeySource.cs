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
    private readonly IReadOnlyList<SecureString> _passphrases;
    private readonly IReadOnlyList<string> _keyFiles;
    // Derived keys by passphrase (its index), salt and iterations; key files by their index.
    private readonly Dictionary<string, KeyEncryptionKey> _derived = new(StringComparer.Ordinal);

    private EncryptionKeySource(IReadOnlyList<SecureString> passphrases, IReadOnlyList<string> keyFiles)
    {
        _passphrases = passphrases;
        _keyFiles = keyFiles;
    }

    /// <summary>Keys from a passphrase, stretched with PBKDF2-SHA256 and the repository's salt (see <see cref="KeyEncryptionKey"/>); the passphrase is kept, not copied.</summary>
    public static EncryptionKeySource FromPassphrase(SecureString passphrase) => new([passphrase], []);
    /// <summary>Keys from a key file of 32 random bytes (read when first needed; errors name the file).</summary>
    public static EncryptionKeySource FromKeyFile(string path) => new([], [path]);

    /// <summary>
    /// Several keys for reading snapshots that are not all under one (a key rotated on part of a chain): each snapshot
    /// is opened with the one whose fingerprint its manifest records. A new snapshot is written under one key only.
    /// </summary>
    public static EncryptionKeySource FromKeys(IReadOnlyList<SecureString> passphrases, IReadOnlyList<string> keyFiles)
    {
        ArgumentNullException.ThrowIfNull(passphrases);
        ArgumentNullException.ThrowIfNull(keyFiles);
        if (passphrases.Count + keyFiles.Count == 0) throw new ArgumentException("Give at least one key.", nameof(passphrases));
        return new(passphrases.ToArray(), keyFiles.ToArray());
    }

    /// <summary>The one passphrase given, when the key is a single passphrase (not a key file); for the length rule of a new key.</summary>
    internal SecureString? SinglePassphrase => _passphrases.Count == 1 && _keyFiles.Count == 0 ? _passphrases[0] : null;

    /// <summary>Whether more than one key was given (only reading takes several).</summary>
    public bool HasSeveralKeys => _passphrases.Count + _keyFiles.Count > 1;

    /// <summary>
    /// The key to encrypt a new snapshot in the catalog's repository with: a passphrase is stretched with the salt the
    /// repository's settings record, else the one its encrypted snapshots share (the catalog is listed only then), else a new one.
    /// </summary>
    public async Task<KeyEncryptionKey> ForNewSnapshotAsync(SnapshotCatalog catalog, RepositorySettings? settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (HasSeveralKeys)
            throw new MongoBackupException(ErrorIds.InvalidArgument, "A new snapshot is written under one key: give one -EncryptionKey or -EncryptionKeyFile.");
        if (_keyFiles.Count == 1) return ForKeyFile(0);
        if (settings is { KdfSalt: { } salt, KdfIterations: > 0 }) return Derive(0, Convert.FromBase64String(salt), settings.KdfIterations);
        var existing = (await catalog.CompleteAsync(ct))
            .Select(s => s.Encryption)
            .FirstOrDefault(e => e is { Kdf: KeyEncryptionKey.PassphraseKdf, KdfSalt: not null });
        return existing is null
            ? Derive(0, KeyEncryptionKey.NewSalt(), KeyEncryptionKey.DefaultIterations)
            : Derive(0, Convert.FromBase64String(existing.KdfSalt!), existing.KdfIterations);
    }

    /// <summary>
    /// Whether one of these keys is the key a snapshot encrypted as <paramref name="encryption"/> says was wrapped with:
    /// its fingerprint, derived with that snapshot's own salt, is the one recorded. A snapshot written before a repository
    /// kept one salt may carry another fingerprint for the same passphrase; this compares the keys, not the texts.
    /// </summary>
    public bool IsKeyOf(ManifestEncryption encryption)
    {
        ArgumentNullException.ThrowIfNull(encryption);
        if (encryption.Kdf == KeyEncryptionKey.PassphraseKdf && encryption.KdfSalt is null) return false;
        try { return Matching(encryption) is not null; }
        catch (FormatException) { return false; } // a damaged salt: opening the snapshot says so
    }

    /// <summary>
    /// The key that opens a snapshot encrypted as <paramref name="encryption"/> says: of several keys of its kind, the one
    /// whose fingerprint the manifest records; a single one is handed back as it is, and unwrapping says when it is wrong.
    /// </summary>
    /// <param name="snapshotId">The snapshot, named when none of several keys is its key.</param>
    /// <exception cref="MongoBackupException">WrongEncryptionKey when no key of the snapshot's kind was given, or none of several is its key (naming the snapshot and the fingerprint it needs).</exception>
    public KeyEncryptionKey ForExisting(ManifestEncryption encryption, string? snapshotId = null)
    {
        ArgumentNullException.ThrowIfNull(encryption);
        var keyFile = encryption.Kdf == KeyEncryptionKey.KeyFileKdf;
        var count = keyFile ? _keyFiles.Count : _passphrases.Count;
        if (count == 0)
            throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
                $"The snapshot{(snapshotId is null ? "" : " " + snapshotId)} was encrypted with a {(keyFile ? "key file" : "passphrase")} (key {encryption.KeyId}); give -{(keyFile ? "EncryptionKeyFile" : "EncryptionKey")}.",
                target: snapshotId);
        if (count == 1) return keyFile ? ForKeyFile(0) : Derive(0, Convert.FromBase64String(encryption.KdfSalt!), encryption.KdfIterations);
        return Matching(encryption) ?? throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
            $"Snapshot {snapshotId ?? "?"} was encrypted with the key whose fingerprint is {encryption.KeyId}; none of the {count} " +
            (keyFile ? $"key files given ({string.Join(", ", _keyFiles.Select((f, i) => $"{Path.GetFileName(f)}: {ForKeyFile(i).Fingerprint}"))})" : "passphrases given") +
            $" has it. Give the {(keyFile ? "key file" : "passphrase")} whose fingerprint is {encryption.KeyId} as well.",
            target: snapshotId);
    }

    // The key of the snapshot's kind whose fingerprint is the one recorded, or null.
    private KeyEncryptionKey? Matching(ManifestEncryption encryption)
    {
        if (encryption.Kdf == KeyEncryptionKey.KeyFileKdf)
            return Enumerable.Range(0, _keyFiles.Count).Select(ForKeyFile).FirstOrDefault(k => Fits(k, encryption));
        if (encryption.Kdf != KeyEncryptionKey.PassphraseKdf || encryption.KdfSalt is null) return null;
        var salt = Convert.FromBase64String(encryption.KdfSalt);
        return Enumerable.Range(0, _passphrases.Count).Select(i => Derive(i, salt, encryption.KdfIterations)).FirstOrDefault(k => Fits(k, encryption));
    }

    private static bool Fits(KeyEncryptionKey key, ManifestEncryption encryption) =>
        string.Equals(key.Fingerprint, encryption.KeyId, StringComparison.OrdinalIgnoreCase);

    private KeyEncryptionKey ForKeyFile(int index)
    {
        var cacheKey = "file/" + index;
        if (!_derived.TryGetValue(cacheKey, out var key)) _derived[cacheKey] = key = KeyEncryptionKey.FromKeyFile(_keyFiles[index]);
        return key;
    }

    private KeyEncryptionKey Derive(int passphrase, byte[] salt, int iterations)
    {
        var cacheKey = passphrase + "/" + Convert.ToBase64String(salt) + "/" + iterations;
        if (!_derived.TryGetValue(cacheKey, out var key))
            _derived[cacheKey] = key = KeyEncryptionKey.FromPassphrase(_passphrases[passphrase], salt, iterations);
        return key;
    }
}
