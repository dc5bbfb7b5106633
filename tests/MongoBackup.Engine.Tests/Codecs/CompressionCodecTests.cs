using MongoBackup.Engine.Tests.Support;
using System.Security.Cryptography;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Tests.Codecs;

public class CompressionCodecTests
{
    public static TheoryData<Compression> AllCompressions => new() { Compression.None, Compression.Gzip, Compression.Zstd };

    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Data_written_through_a_codec_reads_back_unchanged(Compression compression)
    {
        var original = RandomNumberGenerator.GetBytes(300_000);
        var compressed = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(compressed), compression))
            writer.Write(original);

        var read = new MemoryStream();
        using (var reader = CompressionCodec.WrapForRead(new MemoryStream(compressed.ToArray()), compression))
            reader.CopyTo(read);

        Assert.Equal(original, read.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Compressed_output_is_recognised_by_its_first_bytes(Compression compression)
    {
        var compressed = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(compressed), compression))
            writer.Write("{\"a\":1}"u8);
        var bytes = compressed.ToArray();
        // Uncompressed BSON starts with a length; it must never look like gzip or zstd.
        var expected = compression;
        Assert.Equal(expected, CompressionCodec.Sniff(compression == Compression.None ? new byte[] { 0x16, 0, 0, 0 } : bytes));
    }

    [Fact]
    public void Sniffing_recognises_the_magic_numbers_and_nothing_else()
    {
        Assert.Equal(Compression.Gzip, CompressionCodec.Sniff([0x1f, 0x8b, 0x08, 0x00]));
        Assert.Equal(Compression.Zstd, CompressionCodec.Sniff([0x28, 0xb5, 0x2f, 0xfd, 0x00]));
        Assert.Equal(Compression.None, CompressionCodec.Sniff([0x6d, 0xe2, 0x99, 0x81]));
        Assert.Equal(Compression.None, CompressionCodec.Sniff([0x1f]));
        Assert.Equal(Compression.None, CompressionCodec.Sniff([]));
    }

    [Theory]
    [InlineData("db/coll.bson", Compression.None)]
    [InlineData("db/coll.bson.gz", Compression.Gzip)]
    [InlineData("db/coll.metadata.json.gz", Compression.Gzip)]
    [InlineData("oplog.bson.zst", Compression.Zstd)]
    public void File_names_announce_their_compression(string name, Compression expected)
    {
        Assert.Equal(expected, CompressionCodec.FromFileName(name));
        Assert.EndsWith(CompressionCodec.FileSuffix(expected), name);
    }

    [Fact]
    public void Suffixes_are_the_ones_mongodump_and_zstd_use()
    {
        Assert.Equal("", CompressionCodec.FileSuffix(Compression.None));
        Assert.Equal(".gz", CompressionCodec.FileSuffix(Compression.Gzip));
        Assert.Equal(".zst", CompressionCodec.FileSuffix(Compression.Zstd));
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public void Disposing_the_writer_closes_the_inner_stream(Compression compression)
    {
        var inner = new MemoryStream();
        CompressionCodec.WrapForWrite(inner, compression).Dispose();
        Assert.False(inner.CanWrite);
    }

    [Fact]
    public void A_gzip_fixture_from_mongodump_decompresses()
    {
        using var stream = CompressionCodec.WrapForRead(
            File.OpenRead(MongoBackup.Tests.FixturePaths.Get("mongorestore/testdata/prelude_test/prelude_gzip/prelude.json.gz")),
            Compression.Gzip);
        var text = new StreamReader(stream).ReadToEnd();
        Assert.Contains("ServerVersion", text);
    }
}
