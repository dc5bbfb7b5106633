using System.Buffers.Binary;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Tests.Support;
using ZstdSharp;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>
/// zstd data reads back whole and in order while its frames decode on several threads: our own files (1 MiB frames
/// that declare their content size), other writers' (no content size, one large frame, skippable frames), and every
/// kind of damage fails where it is, after the data before it, naming the compressed offset it was found at.
/// </summary>
public sealed class ParallelZstdReadTests : WindowedDecodeReadTests
{
    protected override Compression Codec => Compression.Zstd;
    protected override Type ReaderType => typeof(ParallelZstdReadStream);

    /// <summary>One frame per part (our writer makes one frame of a part of at most 1 MiB), and where each ends.</summary>
    private (byte[] Stored, long[] FrameEnds) Frames(params byte[][] parts)
    {
        var stored = new MemoryStream();
        var ends = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            stored.Write(Ours(parts[i]));
            ends[i] = stored.Length;
        }
        return (stored.ToArray(), ends);
    }

    /// <summary>A zstd frame header's length (RFC 8878 3.1.1.1), from its descriptor.</summary>
    private static int HeaderLength(byte[] stored, long frameStart)
    {
        var descriptor = stored[frameStart + 4];
        var singleSegment = (descriptor & 0x20) != 0;
        var contentSizeBytes = (descriptor >> 6) switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        var dictionaryIdBytes = (descriptor & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        return 5 + (singleSegment ? 0 : 1) + dictionaryIdBytes + contentSizeBytes;
    }

    private static byte[] Skippable(int nibble, int length)
    {
        var frame = new byte[8 + length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 0x184D2A50u + (uint)nibble);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), (uint)length);
        for (var i = 0; i < length; i++) frame[8 + i] = 0x28; // even zstd's magic inside is skipped
        return frame;
    }

    [Fact]
    public void Our_frames_declare_their_content_size_so_they_decode_whole()
    {
        // The parallel path rests on this: a frame without its size would be streamed on the reader's thread.
        var stored = Ours(Compressible(3 * MiB, 3));
        var descriptor = stored[4];
        var contentSizeBytes = (descriptor >> 6) switch { 0 => (descriptor & 0x20) != 0 ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        Assert.NotEqual(0, contentSizeBytes);
        var field = stored.AsSpan(HeaderLength(stored, 0) - contentSizeBytes, contentSizeBytes);
        var contentSize = contentSizeBytes switch
        {
            1 => field[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(field) + 256L,
            4 => BinaryPrimitives.ReadUInt32LittleEndian(field),
            _ => (long)BinaryPrimitives.ReadUInt64LittleEndian(field),
        };
        Assert.Equal(MiB, contentSize);
    }

    [Fact]
    public void Incompressible_data_reads_back_whole()
    {
        // Raw blocks at their largest, frames slightly larger than their content.
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(4 * MiB + 3);
        Assert.Equal(data, Read(Ours(data)));
    }

    [Fact]
    public void Frames_come_out_in_order_whatever_their_sizes_and_the_read_sizes()
    {
        // Frames of very different sizes finish decoding out of order; each is marked with its number.
        var random = new Random(11);
        var parts = Enumerable.Range(0, 40).Select(i =>
        {
            var part = new byte[random.Next(0, 3) == 0 ? random.Next(0, 50) : random.Next(100_000, MiB + 1)];
            for (var j = 0; j < part.Length; j += 3) part[j] = (byte)i;
            return part;
        }).ToArray();
        var (stored, _) = Frames(parts);
        var plain = parts.SelectMany(p => p).ToArray();

        Assert.Equal(plain, Read(stored, readSize: 1));
        Assert.Equal(plain, Read(stored, readSize: 4_093));
        Assert.Equal(plain, Read(new TrickleStream(stored), readSize: 65_536));
    }

    [Fact]
    public void The_source_is_read_forward_once_to_its_end()
    {
        // A decrypting or hashing stream beneath must see every byte, in order, and its own end.
        var stored = Ours(Compressible(3 * MiB + 5, 4));
        var source = new TrickleStream(stored);
        Read(source, 65_536);
        Assert.Equal(stored.Length, source.Position);
        Assert.True(source.SawEnd, "the reader stopped before its source said it had ended");
    }

    [Fact]
    public async Task Frames_without_a_content_size_stream_as_other_writers_write_them()
    {
        // ZstdSharp's CompressionStream (like zstd reading a pipe) declares no content size.
        var data = Compressible(5 * MiB + 99, 5);
        var stored = new MemoryStream();
        using (var zstd = new CompressionStream(stored, level: 3, leaveOpen: true)) zstd.Write(data);
        Assert.Equal(0, stored.ToArray()[4] >> 6); // no Frame_Content_Size field: this really is the fallback path

        Assert.Equal(data, Read(stored.ToArray()));
        Assert.Equal(data, await ReadAsync(stored.ToArray()));
    }

    [Fact]
    public void A_frame_larger_than_a_whole_frame_decode_takes_streams_between_ours_in_order()
    {
        var big = Compressible(ParallelZstdReadStream.MaxWholeFrameContent + 1000, 6);
        using var compressor = new Compressor(3);
        var bigFrame = compressor.Wrap(big).ToArray(); // one frame, content size declared, too large to decode whole
        var before = Compressible(2 * MiB, 7);
        var after = Compressible(MiB + 3, 8);
        byte[] stored = [.. Ours(before), .. bigFrame, .. Ours(after)];

        Assert.Equal([.. before, .. big, .. after], Read(stored, readSize: 10_000));
    }

    [Fact]
    public void Skippable_frames_are_skipped_wherever_they_are()
    {
        var one = Compressible(MiB + 10, 9);
        var two = Compressible(300, 10);
        byte[] stored = [.. Skippable(0, 12), .. Ours(one), .. Skippable(0xF, 0), .. Skippable(7, 300_000), .. Ours(two), .. Skippable(3, 5)];

        Assert.Equal([.. one, .. two], Read(stored));
        Assert.Empty(Read(Skippable(1, 40))); // only skippable frames: valid zstd, no data
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => Read([])).Message);
        Assert.Empty(Read(Ours([]))); // our writer stores an empty file as one empty frame
    }

    [Theory]
    [InlineData(3)]      // inside the magic number
    [InlineData(5)]      // inside the frame header
    [InlineData(40)]     // inside the first block
    [InlineData(-1)]     // inside the content checksum
    [InlineData(-4)]     // the whole checksum missing
    public void A_cut_inside_a_frame_names_where_the_data_ends(int keep)
    {
        var first = Compressible(MiB, 12);
        var (whole, ends) = Frames(first, Compressible(MiB, 13));
        var cut = whole[..(int)(keep > 0 ? ends[0] + keep : whole.Length + keep)];

        var (error, delivered) = ReadUntilFailure(cut);

        Assert.Contains($"the zstd data ends inside a frame after {cut.Length} bytes: it was cut short at byte {cut.Length}", error.Message);
        Assert.Equal(cut.Length, CompressionDamage.BytesRead(error));
        Assert.True(CompressionDamage.IsCutShort(error));
        Assert.Equal(first, delivered); // the whole frame before the cut first
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfe, 9 })]
    public void Bytes_after_the_last_frame_are_refused_after_its_data(byte[] garbage)
    {
        var data = Compressible(2 * MiB + 1, 14);
        var whole = Ours(data);

        var (error, delivered) = ReadUntilFailure([.. whole, .. garbage]);

        Assert.Contains($"bytes after the last frame (at byte offset {whole.Length}", error.Message);
        Assert.InRange(CompressionDamage.BytesRead(error)!.Value, whole.Length + 1, whole.Length + 4);
        Assert.Equal(data, delivered);
    }

    [Fact]
    public void Data_that_is_not_zstd_at_all_says_so()
    {
        var (error, delivered) = ReadUntilFailure([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        Assert.Contains("not zstd", error.Message);
        Assert.Empty(delivered);
    }

    [Fact]
    public void A_content_checksum_that_does_not_match_names_its_frames_end()
    {
        var first = Compressible(MiB, 15);
        var (stored, ends) = Frames(first, Compressible(MiB, 16), Compressible(MiB, 17));
        stored[ends[1] - 2] ^= 0x40; // in the second frame's checksum: its content decodes, and does not match

        var (error, delivered) = ReadUntilFailure(stored);

        Assert.Contains($"the frame at byte offsets {ends[0]} to {ends[1]} does not decode", error.Message);
        Assert.Contains("checksum", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ends[1], CompressionDamage.BytesRead(error));
        Assert.Equal(first, delivered);
    }

    [Fact]
    public void A_damaged_block_names_its_frames_end()
    {
        var first = Compressible(MiB, 18);
        var (stored, ends) = Frames(first, Compressible(MiB, 19), Compressible(MiB, 20));
        var firstBlock = ends[0] + HeaderLength(stored, ends[0]);
        // The first block's own bytes (after its 3-byte header) made nonsense: the frame does not decode.
        for (var i = firstBlock + 3; i < firstBlock + 40; i++) stored[i] = 0xff;

        var (error, delivered) = ReadUntilFailure(stored);

        Assert.Contains($"the frame at byte offsets {ends[0]} to {ends[1]} does not decode", error.Message);
        Assert.Equal(ends[1], CompressionDamage.BytesRead(error));
        Assert.Equal(first, delivered);
    }

    [Fact]
    public void A_reserved_block_type_or_oversized_block_is_refused_at_its_header()
    {
        var first = Compressible(MiB, 21);
        var (stored, ends) = Frames(first, Compressible(MiB, 22));
        var block = ends[0] + HeaderLength(stored, ends[0]);

        var reserved = (byte[])stored.Clone();
        reserved[block] |= 0b110; // block type 3
        var (error, delivered) = ReadUntilFailure(reserved);
        Assert.Contains($"the block header at byte offset {block} has the reserved block type", error.Message);
        Assert.Equal(block + 3, CompressionDamage.BytesRead(error));
        Assert.Equal(first, delivered);

        var oversized = (byte[])stored.Clone();
        oversized[block + 2] = 0xff; // a Block_Size far above 128 KiB
        (error, delivered) = ReadUntilFailure(oversized);
        Assert.Contains($"the block header at byte offset {block} declares", error.Message);
        Assert.Equal(block + 3, CompressionDamage.BytesRead(error));
        Assert.Equal(first, delivered);
    }

    [Fact]
    public void A_frame_header_with_its_reserved_bit_set_is_refused()
    {
        var first = Compressible(MiB, 23);
        var (stored, ends) = Frames(first, Compressible(10, 24));
        stored[ends[0] + 4] |= 0x08;

        var (error, delivered) = ReadUntilFailure(stored);

        Assert.Contains($"the frame header at byte offset {ends[0]} sets its reserved bit", error.Message);
        Assert.Equal(ends[0] + 5, CompressionDamage.BytesRead(error));
        Assert.Equal(first, delivered);
    }

    [Fact]
    public void A_streamed_frame_cut_short_or_damaged_is_refused_too()
    {
        var data = Compressible(3 * MiB, 25);
        var stored = new MemoryStream();
        using (var zstd = new CompressionStream(stored, level: 3, leaveOpen: true))
        {
            zstd.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            zstd.Write(data);
        }
        var whole = stored.ToArray();

        var (cut, _) = ReadUntilFailure(whole[..^10]);
        Assert.Contains("cut short", cut.Message);
        Assert.True(CompressionDamage.IsCutShort(cut));
        Assert.Equal(whole.Length - 10, CompressionDamage.BytesRead(cut));

        var flipped = (byte[])whole.Clone();
        flipped[^2] ^= 1; // its checksum
        var (damaged, _) = ReadUntilFailure(flipped);
        Assert.Contains("damaged", damaged.Message);
        Assert.Equal(whole.Length, CompressionDamage.BytesRead(damaged));
    }

    /// <summary>A source that hands out at most a few bytes a read, and remembers whether it was read to its end.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        private readonly Random _random = new(1);
        public bool SawEnd { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = _inner.Read(buffer[..Math.Min(buffer.Length, _random.Next(1, 5000))]);
            if (n == 0 && !buffer.IsEmpty) SawEnd = true;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
