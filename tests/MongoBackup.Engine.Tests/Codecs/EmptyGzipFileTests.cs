using System.IO.Compression;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>An empty collection's .bson.gz must be a real gzip stream: mongorestore --gzip fails with "EOF" on a zero-byte file.</summary>
public class EmptyGzipFileTests
{
    [Fact]
    public void Nothing_written_still_makes_a_gzip_member_that_reads_back_empty()
    {
        var compressed = new MemoryStream();
        using (CompressionCodec.WrapForWrite(compressed, Compression.Gzip)) { }
        AssertEmptyGzip(compressed.ToArray());
    }

    [Fact]
    public async Task Nothing_written_and_disposed_asynchronously_still_makes_a_gzip_member()
    {
        var compressed = new MemoryStream();
        await using (CompressionCodec.WrapForWrite(compressed, Compression.Gzip)) { }
        AssertEmptyGzip(compressed.ToArray());
    }

    // MemoryStream.ToArray works after the codec has closed it.
    private static void AssertEmptyGzip(byte[] bytes)
    {
        Assert.Equal(Compression.Gzip, CompressionCodec.Sniff(bytes));
        using var reader = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        var plain = new MemoryStream();
        reader.CopyTo(plain);
        Assert.Equal(0, plain.Length);
    }
}
