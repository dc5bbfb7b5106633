using System.Buffers.Binary;
using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.Tests;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>
/// Our gzip files carry each member's size in its header's extra field and read back whole and in order while their
/// members inflate on several threads; they stay standard gzip for every other reader; files without the sizes
/// (mongodump's, our older ones) read serially as before; every kind of damage fails where it is, after the data
/// before it, naming the compressed offset it was found at.
/// </summary>
public sealed class ParallelGzipReadTests : WindowedDecodeReadTests
{
    protected override Compression Codec => Compression.Gzip;
    protected override Type ReaderType => typeof(ParallelGzipReadStream);

    private static byte[] Plain(byte[] data)
    {
        var stored = new MemoryStream();
        using (var gzip = new GZipStream(stored, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return stored.ToArray();
    }

    /// <summary>Each member's start, found from the sizes the members declare (subfield 'M','B' at a fixed place in ours).</summary>
    private static List<long> MemberStarts(byte[] stored)
    {
        var starts = new List<long>();
        for (long at = 0; at < stored.Length;)
        {
            starts.Add(at);
            Assert.Equal(0x04, stored[at + 3]); // FLG.FEXTRA only
            Assert.Equal((byte)'M', stored[at + 12]);
            Assert.Equal((byte)'B', stored[at + 13]);
            at += BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan((int)at + 16));
        }
        return starts;
    }

    private static byte[] ReadSerially(byte[] stored)
    {
        using var reader = new StrictGzipReadStream(new MemoryStream(stored));
        return Drain(reader, 65_536);
    }

    /// <summary>Each of our files reads as the serial reader reads it, member by member.</summary>
    protected override void AgreesWithOtherReaders(byte[] stored) => Assert.Equal(ReadSerially(stored), Read(stored));

    [Fact]
    public void Our_files_are_standard_gzip_with_every_member_sized()
    {
        var data = Compressible(5 * MiB + 3, 11);
        var stored = Ours(data);

        // .NET's own GZipStream (zlib) reads them, the extra fields skipped, as Go's compress/gzip does for mongorestore.
        using var standard = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        var plain = new MemoryStream();
        standard.CopyTo(plain);
        Assert.Equal(data, plain.ToArray());
        // Six members of at most 1 MiB each, whose declared sizes tile the file exactly.
        Assert.Equal(6, MemberStarts(stored).Count);
    }

    [Fact]
    public void Incompressible_blocks_stored_rather_than_deflated_are_sized_too()
    {
        var data = new byte[2 * MiB + 10];
        new Random(3).NextBytes(data);
        var stored = Ours(data);

        Assert.Equal(3, MemberStarts(stored).Count);
        Assert.Equal(data, Read(stored));
    }

    [Fact]
    public void Files_without_member_sizes_read_serially_whole()
    {
        var data = Compressible(3 * MiB, 5);
        Assert.Equal(data, Read(Plain(data)));

        // mongodump --gzip's own file (mongo-tools' prelude_gzip test data).
        var file = File.ReadAllBytes(FixturePaths.Get("mongorestore/testdata/prelude_test/prelude_gzip/test/foo.bson.gz"));
        Assert.Equal(ReadSerially(file), Read(file));
        Assert.NotEmpty(Read(file));
    }

    [Fact]
    public void Sized_members_followed_by_unsized_ones_read_whole()
    {
        var first = Compressible(2 * MiB + 100, 1);
        var second = Compressible(500_000, 2);
        var third = Compressible(MiB, 3);

        var stored = (byte[])[.. Ours(first), .. Plain(second), .. Ours(third)];

        Assert.Equal((byte[])[.. first, .. second, .. third], Read(stored, readSize: 4_096));
    }

    [Fact]
    public void A_member_that_does_not_inflate_fails_naming_its_offsets_after_the_members_before_it()
    {
        var data = Compressible(5 * MiB, 9);
        var stored = Ours(data);
        var starts = MemberStarts(stored);
        stored[starts[2] + (starts[3] - starts[2]) / 2] ^= 0xff;

        var (error, delivered) = ReadUntilFailure(stored);

        Assert.Contains($"the member at byte offsets {starts[2]} to {starts[3]} does not decompress", error.Message);
        Assert.Equal(starts[3], CompressionDamage.BytesRead(error));
        Assert.Equal(data[..(2 * MiB)], delivered);
    }

    [Fact]
    public void A_member_whose_crc_does_not_match_fails_naming_its_offsets()
    {
        var data = Compressible(3 * MiB, 4);
        var stored = Ours(data);
        var starts = MemberStarts(stored);
        stored[starts[2] - 6] ^= 1; // the second member's CRC-32

        var (error, delivered) = ReadUntilFailure(stored);

        Assert.Contains($"the member at byte offsets {starts[1]} to {starts[2]}", error.Message);
        Assert.Contains("CRC-32", error.Message);
        Assert.Equal(data[..MiB], delivered);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(-100)]
    [InlineData(100)]
    public void A_member_whose_declared_size_is_not_where_it_ends_never_delivers_wrong_data(int change)
    {
        var data = Compressible(3 * MiB, 6);
        var stored = Ours(data);
        var starts = MemberStarts(stored);
        var at = (int)starts[1] + 16;
        BinaryPrimitives.WriteUInt32LittleEndian(stored.AsSpan(at), (uint)(BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(at)) + change));

        // The member cut at the wrong size fails, named; unless the "trailer" the size points at claims more content
        // than a member is held whole for (MaxWholeMemberContent): then the rest is read serially, every CRC-32 checked,
        // and the data (undamaged: only the size hint is wrong) comes back whole.
        using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), Compression.Gzip);
        var output = new MemoryStream();
        try { reader.CopyTo(output); }
        catch (InvalidDataException error)
        {
            Assert.Contains($"the member at byte offsets {starts[1]} to {starts[2] + change}", error.Message);
            Assert.Equal(data[..MiB], output.ToArray());
            return;
        }
        Assert.Equal(data, output.ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(20)]
    [InlineData(1_000)]
    public void A_file_cut_inside_a_member_fails_as_cut_short_naming_its_length(int cutFromEnd)
    {
        var data = Compressible(3 * MiB, 8);
        var stored = Ours(data);
        var cut = stored[..^cutFromEnd];

        var (error, delivered) = ReadUntilFailure(cut);

        Assert.Contains("cut short", error.Message);
        Assert.Equal(cut.Length, CompressionDamage.BytesRead(error));
        Assert.Equal(data[..(2 * MiB)], delivered);
    }

    [Fact]
    public void A_file_cut_inside_a_members_header_fails()
    {
        var data = Compressible(2 * MiB, 10);
        var stored = Ours(data);
        var starts = MemberStarts(stored);

        foreach (var keep in new[] { 1, 5, 11, 15 })
        {
            var (error, delivered) = ReadUntilFailure(stored[..(int)(starts[1] + keep)]);
            Assert.Equal(data[..MiB], delivered);
            Assert.True(CompressionDamage.BytesRead(error) >= starts[1], error.Message);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public void Bytes_after_the_last_member_fail_naming_an_offset_past_it(int garbage)
    {
        var data = Compressible(2 * MiB, 12);
        var stored = Ours(data);
        var padded = stored.Concat(Enumerable.Range(1, garbage).Select(i => (byte)i)).ToArray();

        var (error, delivered) = ReadUntilFailure(padded);

        Assert.Equal(data, delivered);
        Assert.True(CompressionDamage.BytesRead(error) > stored.Length, error.Message);
    }

    [Fact]
    public void An_empty_file_is_refused_and_an_empty_collections_member_is_empty_data()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => Read([])).Message);
        Assert.Empty(Read(Ours([])));
    }

    [Fact]
    public void Disposing_before_the_end_leaves_no_member_inflating()
    {
        var stored = Ours(Compressible(8 * MiB, 13));
        using (var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), Compression.Gzip))
            Assert.Equal(1, reader.Read(new byte[1]));
        // Reading again from the start still works: nothing the first reader rented was handed out twice.
        Assert.Equal(Compressible(8 * MiB, 13), Read(stored));
    }
}
