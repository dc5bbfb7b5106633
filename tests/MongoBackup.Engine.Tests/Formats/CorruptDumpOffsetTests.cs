using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoBackup.Tests;

namespace MongoBackup.Engine.Tests.Formats;

/// <summary>
/// A CorruptFile message's offset is one a DBA can look up in the file it names, or the message says what else it
/// counts in: a compressed or encrypted file's offsets are in the data it decodes to, which is longer than the file.
/// </summary>
public sealed class CorruptDumpOffsetTests
{
    [Theory]
    [InlineData("db/items.bson", "at byte offset 600000: ")]
    [InlineData("dump.archive", "at byte offset 600000: ")]
    [InlineData("db/items.bson.gz", "at byte offset 600000 of its decompressed data (not of the stored file): ")]
    [InlineData("s1/db/items.bson.zst", "at byte offset 600000 of its decompressed data (not of the stored file): ")]
    [InlineData("dump.archive.gz", "at byte offset 600000 of its decompressed data (not of the stored file): ")]
    [InlineData("s1/db.encrypted/items.bson.encrypted", "at byte offset 600000 of its decrypted data (not of the stored file): ")]
    [InlineData("s1/db.encrypted/items.bson.zst.encrypted", "at byte offset 600000 of its decrypted and decompressed data (not of the stored file): ")]
    public void Each_offset_is_labelled_with_what_it_counts_in(string file, string expected)
    {
        var error = new CorruptDumpException(file, 600_000, "a problem");

        Assert.Equal($"Corrupt dump file '{file}' {expected}a problem", error.Message);
        Assert.Equal(expected[..^2], error.Location);
    }

    [Fact]
    public void An_offset_in_the_stored_file_itself_is_not_labelled_as_decoded()
    {
        var error = new CorruptDumpException("db/items.bson.zst", 1234, "the file ends early", offsetIn: DumpOffsetKind.StoredFile);
        Assert.Equal("Corrupt dump file 'db/items.bson.zst' at byte offset 1234 of the stored file: the file ends early", error.Message);

        // A plain file's bytes are its content: no label is needed.
        Assert.Equal("Corrupt dump file 'db/items.bson' at byte offset 1234: the file ends early",
            new CorruptDumpException("db/items.bson", 1234, "the file ends early", offsetIn: DumpOffsetKind.StoredFile).Message);
        Assert.Equal("Corrupt dump file 's1/db.encrypted/items.bson.zst.encrypted' at byte offset 1234 of the stored file: a chunk",
            new CorruptDumpException("s1/db.encrypted/items.bson.zst.encrypted", 1234, "a chunk", offsetIn: DumpOffsetKind.StoredFile).Message);
    }

    [Fact]
    public void A_damaged_gzip_stream_names_the_document_it_cut_in_the_decompressed_data()
    {
        var plain = new MemoryStream();
        for (var i = 0; i < 2000; i++) plain.Write(new BsonDocument { { "_id", i }, { "text", new string((char)('a' + i % 26), 300) } }.ToBson());
        var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) plain.WriteTo(gzip);
        var bytes = packed.ToArray();
        bytes[bytes.Length / 2] ^= 0x10;

        using var reader = new BsonDocumentReader(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress), "db/items.bson.gz");
        var error = Assert.Throws<CorruptDumpException>(() => { while (reader.ReadNext() is not null) { } });

        Assert.Contains("of its decompressed data (not of the stored file)", error.Message);
        // The offset is a document's start in the decompressed data, each document being the same size.
        var size = new BsonDocument { { "_id", 0 }, { "text", new string('a', 300) } }.ToBson().Length;
        Assert.Equal(0, error.Offset!.Value % size);
    }

    [Fact]
    public void A_flipped_byte_in_a_gz_mongodump_wrote_names_the_stored_file_offset_the_damage_is_at_or_before()
    {
        // A .bson.gz written by mongodump --gzip (mongo-tools' prelude_gzip test data): one document, 60 bytes stored.
        var bytes = File.ReadAllBytes(FixturePaths.Get("mongorestore/testdata/prelude_test/prelude_gzip/test/foo.bson.gz"));
        var flipped = bytes.Length - 8; // the first byte of the member's CRC-32: the data decompresses, and fails its check
        bytes[flipped] ^= 0xff;

        var error = ReadAll(bytes, "test/foo.bson.gz", Compression.Gzip);

        Assert.NotNull(error.CompressedOffset);
        Assert.InRange(error.CompressedOffset!.Value, flipped + 1, bytes.Length);
        Assert.Contains($"at byte offset {error.Offset} of its decompressed data (not of the stored file); in the stored file, " +
            $"at or before byte offset {error.CompressedOffset} (where the decompressor failed): the compressed data is damaged", error.Message);
    }

    [Fact]
    public void A_flipped_byte_in_our_own_zst_names_the_stored_file_offset_near_it_not_the_file_end()
    {
        // As our backups store a collection: several 1 MiB blocks, each its own zstd frame (ParallelCompressionStream).
        var plain = new MemoryStream();
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
            plain.Write(new BsonDocument { { "_id", i }, { "n", random.NextDouble() }, { "text", $"order {i} of customer {random.Next(1000)}" } }.ToBson());
        var packed = new MemoryStream();
        using (var zstd = CompressionCodec.WrapForWrite(packed, Compression.Zstd)) plain.WriteTo(zstd);
        var bytes = packed.ToArray();
        var flipped = bytes.Length / 2;
        bytes[flipped] ^= 0xff;

        var error = ReadAll(bytes, "s1/shop/orders.bson.zst", Compression.Zstd);

        Assert.Contains("of its decompressed data (not of the stored file); in the stored file, at or before byte offset", error.Message);
        Assert.InRange(error.CompressedOffset!.Value, flipped + 1, bytes.Length - 1);
        Assert.True(error.Offset < plain.Length, error.Message);
    }

    [Fact]
    public void A_flipped_byte_in_our_own_gz_names_the_stored_file_offset_of_its_member_not_the_file_end()
    {
        // As our backups store a collection: several 1 MiB blocks, each a gzip member carrying its size (inflated in parallel).
        var plain = new MemoryStream();
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
            plain.Write(new BsonDocument { { "_id", i }, { "n", random.NextDouble() }, { "text", $"order {i} of customer {random.Next(1000)}" } }.ToBson());
        var packed = new MemoryStream();
        using (var gzip = CompressionCodec.WrapForWrite(packed, Compression.Gzip)) plain.WriteTo(gzip);
        var bytes = packed.ToArray();
        var flipped = bytes.Length / 2;
        bytes[flipped] ^= 0xff;

        var error = ReadAll(bytes, "s1/shop/orders.bson.gz", Compression.Gzip);

        Assert.Contains("Corrupt dump file 's1/shop/orders.bson.gz'", error.Message);
        Assert.Contains("of its decompressed data (not of the stored file); in the stored file, at or before byte offset", error.Message);
        Assert.Contains("the member at byte offsets", error.Message);
        Assert.InRange(error.CompressedOffset!.Value, flipped + 1, bytes.Length - 1);
        Assert.True(error.Offset < plain.Length, error.Message);
    }

    [Fact]
    public void In_an_encrypted_file_the_decompressors_position_is_named_as_its_decrypted_datas()
    {
        var error = new CorruptDumpException("s1/db.encrypted/items.bson.zst.encrypted", 600_000, "a problem", compressedRead: 4096);

        Assert.Equal("Corrupt dump file 's1/db.encrypted/items.bson.zst.encrypted' at byte offset 600000 of its decrypted and decompressed data " +
            "(not of the stored file); in its decrypted data, at or before byte offset 4096 (where the decompressor failed): a problem", error.Message);
    }

    [Theory]
    [InlineData(Compression.Gzip, "20260101T000000Z-full-abcd/db/items.bson.gz")]
    [InlineData(Compression.Zstd, "20260101T000000Z-full-abcd/db/items.bson.zst")]
    public void A_file_cut_inside_its_compressed_data_is_cut_short_at_the_stored_length_never_a_bson_error(Compression compression, string name)
    {
        // As a backup stores a collection (ParallelCompressionStream's members or frames), cut in half as a copy or a full
        // disk leaves it: a gzip file so cut once read as "unknown BSON element type" at an offset of its decompressed data.
        var plain = new MemoryStream();
        for (var i = 0; i < 3000; i++)
            plain.Write(new BsonDocument { { "_id", i }, { "name", $"item {i}" }, { "pad", new string('z', i % 200) } }.ToBson());
        var packed = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(packed, compression)) plain.WriteTo(writer);
        var whole = packed.ToArray(); // the writer closed the stream it wrote to
        var cut = whole[..(whole.Length / 2)];

        var error = ReadAll(cut, name, compression);

        Assert.Equal(cut.Length, error.Offset);
        Assert.Equal(DumpOffsetKind.CompressedData, error.OffsetIn);
        Assert.StartsWith($"Corrupt dump file '{name}' at byte offset {cut.Length} of the stored file: it was cut short there: the {compression.ToString().ToLowerInvariant()} data ends inside", error.Message);
        Assert.Contains("of its decompressed data (not of the stored file), and the document at byte offset", error.Message);
        Assert.DoesNotContain("BSON", error.Message);
    }

    [Fact]
    public void An_offset_in_an_encrypted_files_compressed_data_is_named_as_its_decrypted_datas()
    {
        var error = new CorruptDumpException("s1/db.encrypted/items.bson.gz.encrypted", 4096, "a problem", offsetIn: DumpOffsetKind.CompressedData);

        Assert.Equal("Corrupt dump file 's1/db.encrypted/items.bson.gz.encrypted' at byte offset 4096 of its decrypted data " +
            "(still compressed; not of the stored file): a problem", error.Message);
    }

    private static CorruptDumpException ReadAll(byte[] stored, string name, Compression compression)
    {
        using var reader = new BsonDocumentReader(CompressionCodec.WrapForRead(new MemoryStream(stored), compression), name);
        return Assert.Throws<CorruptDumpException>(() => { while (reader.ReadNext() is not null) { } });
    }
}
