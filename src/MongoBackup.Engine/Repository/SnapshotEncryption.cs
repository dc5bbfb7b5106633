using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>Creates a new snapshot's data key and its manifest entry; opens an existing snapshot's data key.</summary>
public static class SnapshotEncryption
{
    /// <summary>The manifest's name for how data files are encrypted (AES-256-GCM over 64 KiB chunks, this project's format v1, see Security/EncryptingStream).</summary>
    public const string Algorithm = "AES-256-GCM, 64 KiB chunks, v1";

    /// <summary>A fresh random 256-bit data key for snapshot <paramref name="snapshotId"/> and its manifest entry: the key wrapped under <paramref name="kek"/> (bound to the id), the key id and, for a passphrase, its salt and iterations.</summary>
    public static (DataKey Key, ManifestEncryption Entry) ForNewSnapshot(KeyEncryptionKey kek, string snapshotId)
    {
        var key = DataKey.Generate();
        var entry = new ManifestEncryption(Algorithm, kek.Fingerprint, key.Wrap(kek, snapshotId))
        {
            Kdf = kek.Kdf,
            KdfSalt = kek.Salt is null ? null : Convert.ToBase64String(kek.Salt),
            KdfIterations = kek.Iterations,
        };
        return (key, entry);
    }

    /// <summary>
    /// The data key of an encrypted snapshot (null for a plain one), once it has proven the manifest unchanged (its seal);
    /// refuses before any data is read when the key is missing or wrong (WrongEncryptionKey, EncryptionKeyRequired) or
    /// the manifest was altered (CorruptFile).
    /// </summary>
    public static DataKey? Open(SnapshotManifest manifest, EncryptionKeySource? keys)
    {
        var dataKey = OpenUnsealed(manifest, keys);
        if (dataKey is not null && ManifestSealer.Problem(manifest, dataKey, dataKey.SealsManifest) is { } altered)
        {
            dataKey.Dispose();
            throw new MongoBackupException(ErrorIds.CorruptFile, altered, target: $"{manifest.Id}/{SnapshotManifest.FileName}");
        }
        return dataKey;
    }

    /// <summary>The data key without checking the manifest's seal, for Test-MongoSnapshot, which reports the seal with every other finding.</summary>
    public static DataKey? OpenUnsealed(SnapshotManifest manifest, EncryptionKeySource? keys)
    {
        if (manifest.Encryption is not { } encryption) return null;
        if (keys is null)
            throw new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                $"Snapshot {manifest.Id} is encrypted (key {encryption.KeyId}): give -EncryptionKey or -EncryptionKeyFile.", target: manifest.Id);
        if (encryption.Algorithm != Algorithm)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot {manifest.Id} is encrypted with '{encryption.Algorithm}', which this version does not read.", target: manifest.Id);
        if (FindDamage(encryption) is { } damage)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"The encryption entry of snapshot {manifest.Id}'s {SnapshotManifest.FileName} is damaged: {damage}.", target: manifest.Id);
        return DataKey.Unwrap(encryption.WrappedDataKey, keys.ForExisting(encryption, manifest.Id), manifest.Id, encryption.KeyId);
    }

    /// <summary>
    /// Snapshots are written with <see cref="KeyEncryptionKey.DefaultIterations"/>; ten times that bounds the work a
    /// damaged count could ask of the key derivation (two billion iterations would run for the better part of an hour).
    /// </summary>
    private const int MaxIterations = 10 * KeyEncryptionKey.DefaultIterations;

    private static string? FindDamage(ManifestEncryption encryption)
    {
        if (string.IsNullOrEmpty(encryption.KeyId)) return "it has no key id";
        if (!IsBase64(encryption.WrappedDataKey)) return "the wrapped data key is not base64";
        if (encryption.Kdf is not (KeyEncryptionKey.PassphraseKdf or KeyEncryptionKey.KeyFileKdf))
            return $"its key derivation '{encryption.Kdf}' is neither a passphrase's nor a key file's";
        if (encryption.Kdf == KeyEncryptionKey.PassphraseKdf)
        {
            if (!IsBase64(encryption.KdfSalt)) return "the passphrase's salt is not base64";
            if (encryption.KdfIterations is < 1 or > MaxIterations)
                return $"the passphrase's iteration count {encryption.KdfIterations} is outside 1 to {MaxIterations:N0}";
        }
        return null;
    }

    private static bool IsBase64(string? text) =>
        !string.IsNullOrEmpty(text) && Convert.TryFromBase64String(text, new byte[text.Length], out _);

    /// <summary>A file's identity bound into each of its chunks: a chunk moved to another file or snapshot fails.</summary>
    public static string FileIdentity(string snapshotId, string relativePath) => snapshotId + "/" + relativePath;
}
