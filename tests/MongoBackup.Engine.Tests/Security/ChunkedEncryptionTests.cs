using MongoBackup.Engine.Tests.Support;
using System.Buffers.Binary;
using System.Security;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Tests.Security;

public sealed class ChunkedEncryptionTests
{
    private const string Identity = "20261124T000000Z-full-abcd/sales/orders.bson.gz";
    private static readonly DataKey Key = DataKey.Generate();

    private static byte[] Encrypt(byte[] plain, string identity = Identity)
    {
        var stored = new MemoryStream();
        using (var encrypting = new EncryptingStream(new NonClosingStream(stored), Key, identity))
            encrypting.Write(plain);
        return stored.ToArray();
    }

    private static byte[] Decrypt(byte[] stored, string identity = Identity)
    {
        using var decrypting = new DecryptingStream(new MemoryStream(stored), Key, identity, "orders.bson.gz");
        var output = new MemoryStream();
        decrypting.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(1_000_000)]
    public void Round_trips_any_length(int length)
    {
        var plain = new byte[length];
        new Random(length).NextBytes(plain);
        var stored = Encrypt(plain);
        Assert.Equal(plain, Decrypt(stored));
        if (length >= 64) Assert.True(stored.AsSpan().IndexOf(plain.AsSpan(0, 64)) < 0, "the plaintext shows through");
    }

    [Fact]
    public void A_flipped_byte_is_reported_with_the_file_and_chunk_at_the_stored_offsets_of_that_chunk()
    {
        var stored = Encrypt(new byte[200_000]);
        var chunks = Chunks(stored);
        var start = ChunkedFileFormat.HeaderSize + chunks[0].Length;
        var end = start + chunks[1].Length - 1;
        var flipped = start + 4 + 10_000; // inside chunk 1's ciphertext
        stored[flipped] ^= 1;

        var error = Assert.Throws<CorruptDumpException>(() => Decrypt(stored));

        Assert.Contains("orders.bson.gz", error.Message);
        // An offset of the stored file, said to be one: where a hex dump finds the damaged chunk (not the decrypted data's).
        Assert.Equal(start, error.Offset);
        Assert.Equal(DumpOffsetKind.StoredFile, error.OffsetIn);
        Assert.InRange(flipped, start, end);
        Assert.Contains($"at byte offset {start} of the stored file: chunk 1, stored at byte offsets {start} to {end}, does not authenticate", error.Message);
        Assert.DoesNotContain("not of the stored file", error.Message);
    }

    [Fact]
    public void Swapped_chunks_do_not_authenticate()
    {
        var plain = new byte[3 * 65_536 + 100];
        new Random(3).NextBytes(plain);
        var stored = Encrypt(plain);
        var chunks = Chunks(stored);
        var swapped = Concat(stored[..ChunkedFileFormat.HeaderSize], chunks[1], chunks[0], chunks[2], chunks[3]);
        var error = Assert.Throws<CorruptDumpException>(() => Decrypt(swapped));
        Assert.Contains("chunk 0", error.Message);
    }

    [Fact]
    public void A_file_without_its_end_marker_is_reported_as_cut_short()
    {
        var stored = Encrypt(new byte[2 * 65_536 + 10]);
        var chunks = Chunks(stored);
        var withoutFinal = Concat(stored[..ChunkedFileFormat.HeaderSize], chunks[0], chunks[1]);
        var error = Assert.Throws<CorruptDumpException>(() => Decrypt(withoutFinal));
        Assert.Contains("without its end marker", error.Message);
        Assert.Equal(withoutFinal.Length, error.Offset); // where the stored file ends
        Assert.Contains($"at byte offset {withoutFinal.Length} of the stored file: the file ends there, after chunk 1", error.Message);
    }

    [Fact]
    public void A_truncated_chunk_is_reported()
    {
        var stored = Encrypt(new byte[100_000]);
        var start = ChunkedFileFormat.HeaderSize + Chunks(stored)[0].Length;
        var error = Assert.Throws<CorruptDumpException>(() => Decrypt(stored[..^20]));
        Assert.Equal(start, error.Offset);
        Assert.Contains($"at byte offset {start} of the stored file: chunk 1, which starts there, is cut short: the file ends at byte offset {stored.Length - 20}", error.Message);
    }

    [Fact]
    public void A_file_moved_to_another_path_does_not_open()
    {
        var stored = Encrypt(new byte[1000]);
        var error = Assert.Throws<CorruptDumpException>(() => Decrypt(stored, "20261124T000000Z-full-abcd/sales/customers.bson.gz"));
        Assert.Contains("chunk 0", error.Message);
    }

    [Fact]
    public void A_wrong_passphrase_is_recognised_by_its_fingerprint_before_anything_is_decrypted()
    {
        var salt = KeyEncryptionKey.NewSalt();
        using var right = KeyEncryptionKey.FromPassphrase(Secure("correct horse battery staple"), salt, iterations: 1000);
        using var wrong = KeyEncryptionKey.FromPassphrase(Secure("correct horse battery stapler"), salt, iterations: 1000);
        var wrapped = Key.Wrap(right, "snap-1");

        var error = Assert.Throws<MongoBackupException>(() => DataKey.Unwrap(wrapped, wrong, "snap-1", right.Fingerprint));
        Assert.Equal(ErrorIds.WrongEncryptionKey, error.ErrorId);
        Assert.Contains(right.Fingerprint, error.Message);
        using var unwrapped = DataKey.Unwrap(wrapped, right, "snap-1", right.Fingerprint);
        var stored = new MemoryStream();
        using (var e = new EncryptingStream(new NonClosingStream(stored), unwrapped, Identity)) e.Write([1, 2, 3]);
        Assert.Equal([1, 2, 3], Decrypt(stored.ToArray()));
    }

    [Fact]
    public void A_data_key_wrapped_for_one_snapshot_does_not_unwrap_for_another()
    {
        using var kek = KeyEncryptionKey.FromPassphrase(Secure("a long enough passphrase"), KeyEncryptionKey.NewSalt(), iterations: 1000);
        var wrapped = Key.Wrap(kek, "snap-1");
        var error = Assert.Throws<MongoBackupException>(() => DataKey.Unwrap(wrapped, kek, "snap-2", kek.Fingerprint));
        Assert.Equal(ErrorIds.WrongEncryptionKey, error.ErrorId);
    }

    private static List<byte[]> Chunks(byte[] stored)
    {
        var chunks = new List<byte[]>();
        var at = ChunkedFileFormat.HeaderSize;
        while (at < stored.Length)
        {
            var length = (int)(BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(at)) & ~ChunkedFileFormat.FinalFlag);
            var size = 4 + length + ChunkedFileFormat.TagSize;
            chunks.Add(stored[at..(at + size)]);
            at += size;
        }
        return chunks;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return secure;
    }
}
