using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>
/// -CompressionLevel on data that compresses as application data does (orders with prose drawn from a vocabulary
/// by Zipf's law): each level reads back whole, Fastest stores the most and SmallestSize the least, and a level that
/// is not a backup's choice is refused.
/// </summary>
public sealed class CompressionLevelTests
{
    private static readonly byte[] Orders = MakeOrders(2500);

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task Fastest_stores_more_than_optimal_and_optimal_no_less_than_smallest_size(Compression compression)
    {
        var sizes = new Dictionary<CompressionLevel, long>();
        foreach (var level in CompressionLevels.Choosable)
        {
            var stored = await CompressAsync(Orders, compression, level);
            Assert.Equal(Orders, await DecompressAsync(stored, compression));
            sizes[level] = stored.Length;
        }
        Assert.True(sizes[CompressionLevel.Fastest] > sizes[CompressionLevel.Optimal], Describe(sizes));
        Assert.True(sizes[CompressionLevel.Optimal] >= sizes[CompressionLevel.SmallestSize], Describe(sizes));
        Assert.True(sizes[CompressionLevel.Fastest] > sizes[CompressionLevel.SmallestSize], Describe(sizes));
    }

    [Fact]
    public void No_compression_is_not_a_level_to_compress_at()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CompressionCodec.WrapForWrite(new MemoryStream(), Compression.Gzip, CompressionLevel.NoCompression));
    }

    private static string Describe(Dictionary<CompressionLevel, long> sizes) =>
        string.Join(", ", sizes.Select(s => $"{s.Key} {s.Value:N0} bytes"));

    private static async Task<byte[]> CompressAsync(byte[] data, Compression compression, CompressionLevel level)
    {
        var stored = new MemoryStream();
        await using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), compression, level))
            await writer.WriteAsync(data);
        return stored.ToArray();
    }

    private static async Task<byte[]> DecompressAsync(byte[] stored, Compression compression)
    {
        var read = new MemoryStream();
        await using (var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression))
            await reader.CopyToAsync(read);
        return read.ToArray();
    }

    /// <summary>Orders of about 700 bytes: numbers, a status, a customer and notes of words drawn by Zipf's law.</summary>
    private static byte[] MakeOrders(int count)
    {
        var random = new Random(19);
        var vocabulary = Enumerable.Range(0, 3000).Select(i => Word(random, 3 + i % 7)).ToArray();
        var weights = vocabulary.Select((_, rank) => 1.0 / (rank + 1)).ToArray();
        var total = weights.Sum();
        string Draw()
        {
            var pick = random.NextDouble() * total;
            for (var i = 0; i < weights.Length; i++)
                if ((pick -= weights[i]) <= 0) return vocabulary[i];
            return vocabulary[^1];
        }
        var output = new MemoryStream();
        for (var i = 0; i < count; i++)
        {
            var notes = string.Join(' ', Enumerable.Range(0, 90).Select(_ => Draw()));
            output.Write(new BsonDocument
            {
                { "_id", i }, { "number", $"ORD-{i:D8}" }, { "status", random.Next(4) switch { 0 => "new", 1 => "paid", 2 => "shipped", _ => "closed" } },
                { "amount", Math.Round(random.NextDouble() * 1000, 2) },
                { "customer", new BsonDocument { { "name", Draw() + " " + Draw() }, { "tier", random.Next(3) } } },
                { "notes", notes },
            }.ToBson());
        }
        return output.ToArray();
    }

    private static string Word(Random random, int length) =>
        new(Enumerable.Range(0, length).Select(_ => (char)('a' + random.Next(26))).ToArray());
}
