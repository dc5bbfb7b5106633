using MongoBackup.Engine.Tests.Support;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>Block-parallel compression writes standard multi-member gzip and multi-frame zstd that read back whole.</summary>
public sealed class ParallelCompressionTests
{
    [Theory]
    [InlineData(Compression.Gzip, 0)]
    [InlineData(Compression.Gzip, 100)]
    [InlineData(Compression.Gzip, 5_500_000)]
    [InlineData(Compression.Zstd, 0)]
    [InlineData(Compression.Zstd, 5_500_000)]
    public async Task Round_trips_through_the_standard_decompressors(Compression compression, int length)
    {
        var data = new byte[length];
        var random = new Random(length);
        for (var i = 0; i < data.Length; i += 7) data[i] = (byte)random.Next(16); // compressible, not trivial

        var stored = new MemoryStream();
        await using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), compression))
            for (var at = 0; at < data.Length; at += 300_000)
                await writer.WriteAsync(data.AsMemory(at, Math.Min(300_000, data.Length - at)));

        Assert.True(stored.Length > 0, "even an empty file is a valid compressed stream");
        Assert.Equal(compression, CompressionCodec.Sniff(stored.ToArray()));
        var read = new MemoryStream();
        await using (var reader = CompressionCodec.WrapForRead(new MemoryStream(stored.ToArray()), compression))
            await reader.CopyToAsync(read);
        Assert.Equal(data, read.ToArray());
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task Incompressible_blocks_fit_their_output_buffers_and_round_trip(Compression compression)
    {
        // Random bytes grow when compressed: the worst case for each block's fixed-size output buffer.
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var (_, read) = await RoundTripAsync(data, compression);
        Assert.Equal(data, read);
    }

    private static async Task<(byte[] Stored, byte[] Read)> RoundTripAsync(byte[] data, Compression compression)
    {
        var stored = new MemoryStream();
        await using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), compression))
            await writer.WriteAsync(data);
        var read = new MemoryStream();
        await using (var reader = CompressionCodec.WrapForRead(new MemoryStream(stored.ToArray()), compression))
            await reader.CopyToAsync(read);
        return (stored.ToArray(), read.ToArray());
    }

    [Theory]
    [InlineData(Compression.Gzip, 1_017_000)]      // the reported failure: fits a 1 MiB pooled buffer only when it compresses
    [InlineData(Compression.Gzip, (1 << 20) - 1)]
    [InlineData(Compression.Gzip, 1 << 20)]
    [InlineData(Compression.Gzip, (1 << 20) + 1)]
    [InlineData(Compression.Gzip, 65_535)]
    [InlineData(Compression.Gzip, 65_536)]
    [InlineData(Compression.Gzip, 65_537)]
    [InlineData(Compression.Gzip, 1)]
    [InlineData(Compression.Zstd, 1_017_000)]
    [InlineData(Compression.Zstd, (1 << 20) - 1)]
    [InlineData(Compression.Zstd, (1 << 20) + 1)]
    [InlineData(Compression.Zstd, 65_537)]
    public async Task Random_bytes_at_block_and_pool_boundaries_round_trip_and_barely_grow(Compression compression, int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var (stored, read) = await RoundTripAsync(data, compression);
        Assert.Equal(data, read);
        // Blocks that do not compress are stored: a few bytes per 64 KiB and per 1 MiB block, not the 5.5% the fastest level adds.
        var blocks = length / (1 << 20) + 1;
        Assert.True(stored.Length <= length + blocks * 64 + length / 65_536 * 5 + 64, $"{stored.Length} bytes stored for {length}");
    }

    [Fact]
    public async Task A_large_file_is_made_of_several_independently_compressed_members()
    {
        var data = new byte[3 * 1024 * 1024 + 5];
        var stored = new MemoryStream();
        await using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), Compression.Gzip))
            await writer.WriteAsync(data);
        var bytes = stored.ToArray();
        var members = 0;
        for (var i = 0; i + 2 < bytes.Length; i++)
            if (bytes[i] == 0x1f && bytes[i + 1] == 0x8b && bytes[i + 2] == 0x08) members++;
        Assert.True(members >= 4, $"expected one gzip member per 1 MiB block, found {members}");
    }
}
