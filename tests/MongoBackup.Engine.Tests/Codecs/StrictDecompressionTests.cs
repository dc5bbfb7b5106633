using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.Tests;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>
/// Compressed data must end exactly where its format says: gzip members whole with their CRC-32 and length checked,
/// zstd frames whole, nothing after the last one, and never an empty file. .NET's GZipStream alone reads a cut or
/// padded stream as a shorter valid one.
/// </summary>
public sealed class StrictDecompressionTests
{
    private static readonly byte[] Data = MakeData(300_000);

    private static byte[] MakeData(int length)
    {
        var data = new byte[length];
        var random = new Random(1);
        for (var i = 0; i < data.Length; i += 3) data[i] = (byte)random.Next(20);
        return data;
    }

    private static byte[] GzipOneMember(byte[] data)
    {
        var stored = new MemoryStream();
        using (var gzip = new GZipStream(stored, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return stored.ToArray();
    }

    private static byte[] Ours(byte[] data, Compression compression)
    {
        var stored = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), compression)) writer.Write(data);
        return stored.ToArray();
    }

    private static byte[] Read(byte[] stored, Compression compression, int readSize = 65_536)
    {
        using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression);
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = reader.Read(buffer)) > 0) output.Write(buffer, 0, n);
        return output.ToArray();
    }

    private static async Task<byte[]> ReadAsync(byte[] stored, Compression compression)
    {
        await using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression);
        var output = new MemoryStream();
        await reader.CopyToAsync(output);
        return output.ToArray();
    }

    public static TheoryData<string, int, int> BadGzip => new()
    {
        // name, bytes to keep (negative: from the end), bytes appended
        { "cut at two thirds", 2, 0 },
        { "trailer cut by 1 byte", -1, 0 },
        { "trailer cut by 4 bytes (no length)", -4, 0 },
        { "trailer cut by 8 bytes (no CRC, no length)", -8, 0 },
        { "1 byte of trailing garbage", 0, 1 },
        { "20 bytes of trailing garbage", 0, 20 },
    };

    [Theory]
    [MemberData(nameof(BadGzip))]
    public async Task A_gzip_stream_that_does_not_end_with_its_member_is_refused(string name, int keep, int append)
    {
        var whole = GzipOneMember(Data);
        var bad = keep switch
        {
            2 => whole[..(whole.Length * 2 / 3)],
            < 0 => whole[..^-keep],
            _ => whole.Concat(Enumerable.Range(1, append).Select(i => (byte)i)).ToArray(),
        };
        var error = Assert.Throws<InvalidDataException>(() => Read(bad, Compression.Gzip));
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAsync(bad, Compression.Gzip));
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Contains("gzip", error.Message);
    }

    /// <summary>
    /// Wherever the data is cut, the reader hands out only bytes of the real data (a prefix of it) and then fails as cut
    /// short at the cut's length, never with garbage decoded from what the reader puts behind the data to find its end
    /// (a gzip file cut inside a deflate block once decoded its sentinel member as the rest of that block). A cut at a
    /// member's or frame's end is a shorter valid stream to the codec; the manifest's size catches those.
    /// </summary>
    [Theory]
    [InlineData(Compression.Gzip, false)]
    [InlineData(Compression.Gzip, true)]
    [InlineData(Compression.Zstd, false)]
    [InlineData(Compression.Zstd, true)]
    public async Task Data_cut_anywhere_delivers_only_real_bytes_then_fails_as_cut_short_at_its_length(Compression compression, bool oneMember)
    {
        var data = MakeData(2_500_000);
        var whole = oneMember ? OneMemberOrFrame(data, compression) : Ours(data, compression);
        var random = new Random(5);
        var cuts = Enumerable.Range(0, 60).Select(_ => random.Next(1, whole.Length))
            .Concat([1, 2, 9, 10, 11, whole.Length - 8, whole.Length - 4, whole.Length - 1]);
        foreach (var cut in cuts)
        {
            var (delivered, error) = ReadUntilFailure(whole[..cut], compression, readSize: 1 + cut % 70_000);
            Assert.True(delivered.AsSpan().SequenceEqual(data.AsSpan(0, delivered.Length)), $"cut at {cut}: bytes not of the data were delivered");
            if (error is null)
            {
                Assert.False(oneMember, $"cut at {cut}: a one-{compression} stream cut short read as whole");
                continue; // cut at a member's or frame's end
            }
            Assert.True(CompressionDamage.IsCutShort(error), $"cut at {cut}: {error.Message}");
            Assert.Equal(cut, CompressionDamage.BytesRead(error));
            Assert.Contains($"cut short at byte {cut}", error.Message);
        }
        var (_, asyncError) = await ReadUntilFailureAsync(whole[..(whole.Length / 2)], compression);
        Assert.True(asyncError is not null && CompressionDamage.IsCutShort(asyncError), asyncError?.Message);
    }

    private static byte[] OneMemberOrFrame(byte[] data, Compression compression)
    {
        if (compression == Compression.Gzip) return GzipOneMember(data);
        // One frame without a content size, as the zstd CLI writes a stream: read by the streaming decoder.
        var stored = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(stored, level: 3, leaveOpen: true)) zstd.Write(data);
        return stored.ToArray();
    }

    private static (byte[] Delivered, InvalidDataException? Error) ReadUntilFailure(byte[] stored, Compression compression, int readSize)
    {
        var output = new MemoryStream();
        try
        {
            using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression);
            var buffer = new byte[readSize];
            int n;
            while ((n = reader.Read(buffer)) > 0) output.Write(buffer, 0, n);
            return (output.ToArray(), null);
        }
        catch (InvalidDataException e) { return (output.ToArray(), e); }
    }

    private static async Task<(byte[] Delivered, InvalidDataException? Error)> ReadUntilFailureAsync(byte[] stored, Compression compression)
    {
        var output = new MemoryStream();
        try
        {
            await using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression);
            await reader.CopyToAsync(output);
            return (output.ToArray(), null);
        }
        catch (InvalidDataException e) { return (output.ToArray(), e); }
    }

    [Fact]
    public void Zero_bytes_after_the_member_and_a_cut_second_header_are_refused()
    {
        var whole = GzipOneMember(Data);
        Assert.Throws<InvalidDataException>(() => Read([.. whole, .. new byte[100]], Compression.Gzip));
        Assert.Throws<InvalidDataException>(() => Read([.. whole, .. whole[..5]], Compression.Gzip));
    }

    [Fact]
    public void A_crc_or_length_that_does_not_match_is_refused()
    {
        var crc = GzipOneMember(Data);
        crc[^6] ^= 1;
        Assert.Contains("CRC-32", Assert.Throws<InvalidDataException>(() => Read(crc, Compression.Gzip)).Message);
        var length = GzipOneMember(Data);
        length[^2] ^= 1;
        Assert.Throws<InvalidDataException>(() => Read(length, Compression.Gzip));
    }

    [Fact]
    public void An_empty_gzip_file_is_refused_but_an_empty_member_is_empty_data()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => Read([], Compression.Gzip)).Message);
        Assert.Empty(Read(Ours([], Compression.Gzip), Compression.Gzip));
    }

    [Fact]
    public void Mongodumps_own_gzip_reads_whole()
    {
        var file = FixturePaths.Get("mongorestore/testdata/prelude_test/prelude_gzip/test/foo.bson.gz");
        using var expected = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        var plain = new MemoryStream();
        expected.CopyTo(plain);
        Assert.True(plain.Length > 0);
        Assert.Equal(plain.ToArray(), Read(File.ReadAllBytes(file), Compression.Gzip));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Many_members_of_any_size_read_whole_whatever_the_read_sizes(int seed)
    {
        // Member boundaries fall at every alignment against GZipStream's and our buffers.
        var random = new Random(seed);
        var plain = new MemoryStream();
        var stored = new MemoryStream();
        for (var i = 0; i < 60; i++)
        {
            var member = new byte[random.Next(0, 40_000)];
            random.NextBytes(member.AsSpan(0, member.Length / 2));
            plain.Write(member);
            stored.Write(GzipOneMember(member));
        }
        Assert.Equal(plain.ToArray(), Read(stored.ToArray(), Compression.Gzip, readSize: random.Next(1, 5000)));
        Assert.Equal(plain.ToArray(), Read(stored.ToArray(), Compression.Gzip, readSize: 1));
    }

    [Fact]
    public async Task A_zstd_stream_cut_padded_or_empty_is_refused()
    {
        var whole = Ours(Data, Compression.Zstd);
        Assert.Equal(Data, await ReadAsync(whole, Compression.Zstd));
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => Read(whole[..(whole.Length * 2 / 3)], Compression.Zstd)).Message);
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => Read(whole[..^1], Compression.Zstd)).Message);
        Assert.Throws<InvalidDataException>(() => Read([.. whole, 1, 2, 3], Compression.Zstd));
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => Read([], Compression.Zstd)).Message);
        Assert.Empty(Read(Ours([], Compression.Zstd), Compression.Zstd));
    }

    [Fact]
    public void A_changed_byte_inside_a_zstd_frame_fails_its_checksum()
    {
        var whole = Ours(Data, Compression.Zstd);
        whole[whole.Length / 2] ^= 1;
        Assert.Throws<InvalidDataException>(() => Read(whole, Compression.Zstd));
    }
}
