using System.Security.Cryptography;
using System.Text.Json;

namespace MongoBackup.Engine.Security;

/// <summary>
/// Seals an encrypted snapshot's manifest and checks the seal: HMAC-SHA256 under a key derived (HKDF) from the
/// snapshot's data key, over the manifest's canonical JSON without its "seal" property (see <see cref="CanonicalJson"/>).
/// Whoever lacks the user's key cannot change any field (a count, a file, a time, a slice's predecessor) without the
/// tag failing. The data key is wrapped with a mark that the manifest is sealed, so removing the seal is seen too.
/// </summary>
public static class ManifestSealer
{
    /// <summary>The seal's algorithm, as recorded in <see cref="ManifestSeal.Algorithm"/>.</summary>
    public const string Algorithm = "HMAC-SHA256";
    private const string SealProperty = "seal";
    private static readonly byte[] KeyInfo = "MongoBackup manifest seal v1"u8.ToArray();

    /// <summary>Sets <see cref="SnapshotManifest.Seal"/> over the manifest as it will be serialized.</summary>
    public static void Seal(SnapshotManifest manifest, DataKey dataKey)
    {
        manifest.Seal = null;
        manifest.StoredJson = null; // what is sealed now is this object as it serializes, not the text it was read from
        manifest.Seal = new ManifestSeal(Algorithm, Convert.ToHexString(Tag(manifest.Serialize(), dataKey)).ToLowerInvariant());
    }

    /// <summary>
    /// What is wrong with the seal of an encrypted snapshot's manifest, or null when it proves the manifest unchanged.
    /// A manifest whose data key was wrapped before seals existed may have none (say so with <paramref name="sealRequired"/> false).
    /// </summary>
    public static string? Problem(SnapshotManifest manifest, DataKey dataKey, bool sealRequired)
    {
        if (manifest.Seal is not { } seal)
            return sealRequired
                ? $"The manifest of snapshot {manifest.Id} has lost its seal (its data key says it was sealed): it was altered after the backup."
                : null;
        if (seal.Algorithm != Algorithm)
            return $"The manifest of snapshot {manifest.Id} is sealed with '{seal.Algorithm}', which this version does not check.";
        byte[] expected;
        try { expected = Tag(manifest.StoredJson ?? manifest.Serialize(), dataKey); }
        catch (JsonException e) { return $"The manifest of snapshot {manifest.Id} cannot be put in canonical form: {e.Message}"; }
        var stored = TryHex(seal.Tag);
        return stored is not null && CryptographicOperations.FixedTimeEquals(stored, expected)
            ? null
            : $"The manifest of snapshot {manifest.Id} does not match its seal: a field of it (a count, a file, a time) was changed after the backup.";
    }

    private static byte[] Tag(string json, DataKey dataKey)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey.Bytes, key, salt: [], info: KeyInfo);
        try { return HMACSHA256.HashData(key, CanonicalJson.Bytes(json, SealProperty)); }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    private static byte[]? TryHex(string text)
    {
        try { return Convert.FromHexString(text); }
        catch (FormatException) { return null; }
    }
}
