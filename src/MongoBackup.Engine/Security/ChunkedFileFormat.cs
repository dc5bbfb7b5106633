using System.Buffers.Binary;
using System.Text;

namespace MongoBackup.Engine.Security;

/// <summary>
/// Our encrypted file format: "MBE1", a 16-byte random file salt, then chunks of up to 64 KiB, each
/// [length | final-flag (u32 LE)][AES-256-GCM ciphertext][16-byte tag]. Each file gets its own key (HKDF of the
/// data key with its salt and identity); a chunk's nonce is its index and final flag, and its associated data
/// binds the file's identity (snapshot id and path), the index and the flag: so a truncated, reordered, swapped
/// or altered chunk, and a file cut before its final chunk, all fail to authenticate.
/// </summary>
internal static class ChunkedFileFormat
{
    public static readonly byte[] Magic = "MBE1"u8.ToArray();
    public const int SaltSize = 16;
    public const int HeaderSize = 4 + SaltSize;
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const uint FinalFlag = 0x8000_0000;

    public static byte[] Nonce(long index, bool final)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(nonce, index);
        BinaryPrimitives.WriteUInt32LittleEndian(nonce.AsSpan(8), final ? 1u : 0u);
        return nonce;
    }

    public static byte[] AssociatedData(string fileIdentity, long index, bool final) =>
        Encoding.UTF8.GetBytes($"MBE1|{fileIdentity}|{index}|{(final ? 1 : 0)}");

    /// <summary>Whether a stored file starts as an encrypted one does.</summary>
    public static bool IsEncrypted(ReadOnlySpan<byte> firstBytes) => firstBytes.Length >= 4 && firstBytes[..4].SequenceEqual(Magic);
}
