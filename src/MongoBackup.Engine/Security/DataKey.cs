using System.Security.Cryptography;
using System.Text;

namespace MongoBackup.Engine.Security;

/// <summary>
/// A snapshot's own random 256-bit key. It is stored only wrapped (AES-256-GCM) under the user's key, bound to the
/// snapshot id, so re-wrapping it under a new key rotates keys without rewriting any data.
/// </summary>
public sealed class DataKey : IDisposable
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private DataKey(byte[] key, bool sealsManifest)
    {
        _key = key;
        SealsManifest = sealsManifest;
    }

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>
    /// Whether the snapshot's manifest must carry a seal (see <see cref="ManifestSealer"/>): every data key wrapped since
    /// manifests are sealed says so, bound into the wrap itself, so a seal removed from the manifest is noticed.
    /// </summary>
    public bool SealsManifest { get; }

    /// <summary>A new random 256-bit data key for one snapshot, marked as sealing its manifest.</summary>
    public static DataKey Generate() => new(RandomNumberGenerator.GetBytes(KeyEncryptionKey.KeySize), sealsManifest: true);

    /// <summary>base64(nonce | ciphertext | tag).</summary>
    public string Wrap(KeyEncryptionKey kek, string snapshotId)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var cipher = new byte[_key.Length];
        var tag = new byte[TagSize];
        using var aes = new AesGcm(kek.Bytes, TagSize);
        aes.Encrypt(nonce, _key, cipher, tag, AssociatedData(snapshotId, sealedManifest: true));
        return Convert.ToBase64String([.. nonce, .. cipher, .. tag]);
    }

    /// <summary>What to check when a key does not open a snapshot.</summary>
    private const string NextStep =
        "Check the passphrase (-EncryptionKey) or key file (-EncryptionKeyFile) given: it must be the one the snapshot is under now " +
        "(Get-MongoSnapshot shows each snapshot's KeyFingerprint; after Update-MongoSnapshotKey, the new key).";

    /// <summary>The data key, or a clear error when the key is not the one the snapshot was made with.</summary>
    public static DataKey Unwrap(string wrapped, KeyEncryptionKey kek, string snapshotId, string expectedFingerprint)
    {
        if (!string.Equals(kek.Fingerprint, expectedFingerprint, StringComparison.OrdinalIgnoreCase))
            throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
                $"Snapshot {snapshotId} was encrypted with the key whose fingerprint is {expectedFingerprint}; the key given has fingerprint {kek.Fingerprint}. {NextStep}",
                target: snapshotId);
        var bytes = Convert.FromBase64String(wrapped);
        if (bytes.Length != NonceSize + KeyEncryptionKey.KeySize + TagSize)
            throw new MongoBackupException(ErrorIds.CorruptFile, $"The wrapped data key of snapshot {snapshotId} is damaged.", target: snapshotId);
        var key = new byte[KeyEncryptionKey.KeySize];
        using var aes = new AesGcm(kek.Bytes, TagSize);
        // Wrapped since manifests are sealed, or before (then the manifest carries no seal to check).
        foreach (var sealedManifest in new[] { true, false })
        {
            try
            {
                aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, key.Length), bytes.AsSpan(NonceSize + key.Length), key,
                    AssociatedData(snapshotId, sealedManifest));
                return new DataKey(key, sealedManifest);
            }
            catch (AuthenticationTagMismatchException) when (sealedManifest) { }
            catch (AuthenticationTagMismatchException e)
            {
                throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
                    $"The data key of snapshot {snapshotId} does not open with the key given, or its manifest was altered. {NextStep}", e, snapshotId);
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A key for one file, so that chunk counters never repeat a nonce under the same key across files.</summary>
    internal byte[] DeriveFileKey(byte[] fileSalt, string fileIdentity) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, KeyEncryptionKey.KeySize, fileSalt, Encoding.UTF8.GetBytes(fileIdentity));

    // v2 marks a snapshot whose manifest is sealed; v1 data keys were wrapped before seals existed.
    private static byte[] AssociatedData(string snapshotId, bool sealedManifest) =>
        Encoding.UTF8.GetBytes((sealedManifest ? "MongoBackup data key v2 sealed manifest|" : "MongoBackup data key v1|") + snapshotId);

    /// <summary>Zeroes the key in memory.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
