using System.Security.Cryptography;
using System.Text;

namespace MongoBackup.TestServer.Auth;

/// <summary>
/// The two SCRAM variants MongoDB speaks. SCRAM-SHA-1 hashes the password as MD5("user:mongo:password") in hex
/// before salting, as MongoDB does; SCRAM-SHA-256 uses the password itself.
/// </summary>
internal sealed class ScramMechanism
{
    public static readonly ScramMechanism Sha1 = new("SCRAM-SHA-1", HashAlgorithmName.SHA1, 16, 10000);
    public static readonly ScramMechanism Sha256 = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 28, 15000);

    private ScramMechanism(string name, HashAlgorithmName hash, int saltLength, int iterations)
    {
        Name = name;
        Hash = hash;
        SaltLength = saltLength;
        Iterations = iterations;
    }

    public string Name { get; }
    public HashAlgorithmName Hash { get; }
    public int SaltLength { get; }
    public int Iterations { get; }

    public static ScramMechanism? Named(string name) =>
        name == Sha1.Name ? Sha1 : name == Sha256.Name ? Sha256 : null;

    public byte[] SaltedPassword(string user, string password, byte[] salt, int iterations)
    {
        var secret = this == Sha1
            ? Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(user + ":mongo:" + password)))
            : password;
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, Hash, Hash == HashAlgorithmName.SHA1 ? 20 : 32);
    }

    public byte[] Hmac(byte[] key, string text) => Hmac(key, Encoding.UTF8.GetBytes(text));

    public byte[] Hmac(byte[] key, byte[] data) =>
        Hash == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data);

    public byte[] Digest(byte[] data) => Hash == HashAlgorithmName.SHA1 ? SHA1.HashData(data) : SHA256.HashData(data);
}
