using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace MongoBackup.Engine.Security;

/// <summary>
/// The user's key: it never encrypts data itself, only wraps each snapshot's random data key. Made from a
/// passphrase (PBKDF2-HMAC-SHA256, many iterations, with the repository's salt) or read from a raw 256-bit key file.
/// Its fingerprint lets a wrong key be recognised before anything is decrypted.
/// </summary>
public sealed class KeyEncryptionKey : IDisposable
{
    /// <summary>Key size in bytes (AES-256).</summary>
    public const int KeySize = 32;
    /// <summary>PBKDF2-HMAC-SHA256 iterations for a passphrase, as OWASP recommends for that hash.</summary>
    public const int DefaultIterations = 600_000;
    /// <summary>The <see cref="Kdf"/> of a key made from a passphrase.</summary>
    public const string PassphraseKdf = "PBKDF2-HMAC-SHA256";
    /// <summary>The <see cref="Kdf"/> of a key read from a key file.</summary>
    public const string KeyFileKdf = "raw";

    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key, string kdf, byte[]? salt, int iterations)
    {
        _key = key;
        Kdf = kdf;
        Salt = salt;
        Iterations = iterations;
        Fingerprint = ComputeFingerprint(key);
    }

    /// <summary>How the key was made: recorded in manifests so the same passphrase makes the same key again.</summary>
    public string Kdf { get; }
    /// <summary>The passphrase's salt (16 random bytes); null for a key file.</summary>
    public byte[]? Salt { get; }
    /// <summary>PBKDF2 iterations for a passphrase; 0 for a key file.</summary>
    public int Iterations { get; }

    /// <summary>16 hex characters identifying the key (an HMAC of a constant under it; it reveals nothing of the key).</summary>
    public string Fingerprint { get; }

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>
    /// The key PBKDF2-HMAC-SHA256 derives from <paramref name="passphrase"/> (UTF-8) with <paramref name="salt"/>. Any
    /// length is derived: the length rule is for choosing a new passphrase (<see cref="RequireLongEnough"/>), and a short one
    /// given to read existing snapshots must be found wrong by its fingerprint, not refused for its length.
    /// </summary>
    public static KeyEncryptionKey FromPassphrase(SecureString passphrase, byte[] salt, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        var text = SecureStringBytes(passphrase);
        try
        {
            var key = Rfc2898DeriveBytes.Pbkdf2(text, salt, iterations, HashAlgorithmName.SHA256, KeySize);
            return new KeyEncryptionKey(key, PassphraseKdf, salt, iterations);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
        }
    }

    /// <summary>
    /// Refuses a passphrase shorter than 12 characters as a new key (a backup's, a repository's pinned key, a rotation's
    /// new key). The cmdlets call it as soon as such a key is given, before anything else is said or done (a new
    /// repository's notice, a server reached). Keys that read existing snapshots are not held to it.
    /// </summary>
    /// <param name="passphrase">The passphrase chosen as a new key.</param>
    /// <param name="note">What the refusal adds, in a sentence (the keys the repository already uses, say); null for none.</param>
    /// <exception cref="MongoBackupException">InvalidArgument: the passphrase is shorter than 12 characters.</exception>
    public static void RequireLongEnough(SecureString passphrase, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        if (passphrase.Length < MinimumPassphraseLength)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The encryption passphrase must be at least {MinimumPassphraseLength} characters long.{(note is null ? "" : " " + note)}");
    }

    /// <summary>The fewest characters a new passphrase may have (<see cref="RequireLongEnough"/>).</summary>
    public const int MinimumPassphraseLength = 12;

    /// <summary>A key file holds exactly 32 raw bytes, or those bytes as 64 hex characters or as base64 text.</summary>
    public static KeyEncryptionKey FromKeyFile(string path)
    {
        if (!File.Exists(path))
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"The encryption key file '{path}' does not exist.", target: path);
        var content = File.ReadAllBytes(path);
        var key = content.Length == KeySize ? content : ParseText(Encoding.ASCII.GetString(content).Trim());
        if (key is null || key.Length != KeySize)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The encryption key file '{path}' must hold a 256-bit key: 32 raw bytes, 64 hex characters or base64 text.", target: path);
        return new KeyEncryptionKey(key, KeyFileKdf, null, 0);
    }

    /// <summary>A new random 16-byte salt for a passphrase.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(16);

    private static byte[]? ParseText(string text)
    {
        try { return text.Length == KeySize * 2 ? Convert.FromHexString(text) : Convert.FromBase64String(text); }
        catch (FormatException) { return null; }
    }

    private static string ComputeFingerprint(byte[] key)
    {
        var mac = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes("MongoBackup key fingerprint v1"));
        return Convert.ToHexString(mac, 0, 8).ToLowerInvariant();
    }

    private static byte[] SecureStringBytes(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            var chars = new char[secure.Length];
            Marshal.Copy(pointer, chars, 0, chars.Length);
            var bytes = Encoding.UTF8.GetBytes(chars);
            Array.Clear(chars);
            return bytes;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    /// <summary>Zeroes the key in memory.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
