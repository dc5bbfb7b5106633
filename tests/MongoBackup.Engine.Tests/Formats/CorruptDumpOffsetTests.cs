using System.IO.Compression;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;

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
        var error = new CorruptDumpException("db/items.bson.zst", 1234, "the file ends early", inStoredFile: true);

        Assert.Equal("Corrupt dump file 'db/items.bson.zst' at byte offset 1234: the file ends early", error.Message);
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
}
