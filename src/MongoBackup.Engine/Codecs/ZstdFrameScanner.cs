using System.Buffers.Binary;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Reads zstd data (RFC 8878) forward, each byte once, and finds where its frames begin and end without decoding
/// them: from the frame header (magic number, descriptor, window descriptor, dictionary id, frame content size), each
/// block header (last-block flag, type, size) and the optional 4-byte content checksum. Skippable frames are passed
/// over. A frame's bytes are handed on in segments (its header, each block with its header, its checksum), so a
/// caller can collect a whole frame to decode on another thread, or stream a large one. Whatever the bytes cannot be
/// (a cut, a reserved bit or block type, an oversized block, a wrong magic number) fails as a
/// <see cref="CompressionDamage"/> at the position where it was found.
/// </summary>
internal sealed class ZstdFrameScanner(Stream source)
{
    /// <summary>RFC 8878 3.1.1.2: Block_Maximum_Size is min(Window_Size, 128 KiB), and no Block_Size exceeds it.</summary>
    private const int BlockSizeMax = 128 * 1024;
    private const uint FrameMagic = 0xFD2FB528;
    private const uint SkippableMagic = 0x184D2A50; // RFC 8878 3.1.2: 0x184D2A50 to 0x184D2A5F
    private const int DirectReadMin = 16 * 1024;

    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start, _end;
    private bool _sourceEnded;
    private long _handedOn; // bytes handed on or skipped: the offset of _buffer[_start] in the compressed data

    private long _segmentLeft;
    private Part _next = Part.None;
    private bool _hasChecksum;

    private enum Part { None, Block, Checksum, End }

    /// <summary>The frame content size a frame header declares, or -1 when it declares none.</summary>
    public readonly record struct FrameHeader(long ContentSize, long Offset);

    /// <summary>Bytes read from the source so far (handed on, skipped, or buffered).</summary>
    public long BytesRead => _handedOn + (_end - _start);

    /// <summary>The offset in the compressed data of the next byte to be handed on.</summary>
    public long Position => _handedOn;

    /// <summary>
    /// At a frame boundary, reads the next frame's header (skipping skippable frames) and makes it the current
    /// segment; null when the data ends here. An empty source fails: zstd data holds at least one frame.
    /// </summary>
    public async ValueTask<FrameHeader?> BeginFrameAsync(bool async, CancellationToken ct)
    {
        if (_next is not (Part.None or Part.End)) throw new InvalidOperationException("The current frame has not been read to its end.");
        while (true)
        {
            if (!await FillAsync(4, async, ct).ConfigureAwait(false))
            {
                if (Available == 0)
                {
                    if (BytesRead == 0) throw new InvalidDataException("the file is empty, and zstd data holds at least one frame");
                    return null;
                }
                if (IsMagicPrefix(Span(Available))) throw CutShort();
                throw NotAFrame();
            }
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(Span(4));
            if ((magic & 0xFFFFFFF0) == SkippableMagic)
            {
                if (!await FillAsync(8, async, ct).ConfigureAwait(false)) throw CutShort();
                var size = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + 4, 4));
                Skip(8);
                await SkipAsync(size, async, ct).ConfigureAwait(false);
                continue;
            }
            if (magic != FrameMagic) throw NotAFrame();
            return await ReadHeaderAsync(async, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask<FrameHeader> ReadHeaderAsync(bool async, CancellationToken ct)
    {
        if (!await FillAsync(5, async, ct).ConfigureAwait(false)) throw CutShort();
        var descriptor = _buffer[_start + 4];
        // RFC 8878 3.1.1.1.1: Frame_Content_Size_Flag (bits 7-6), Single_Segment_Flag (5), Reserved_Bit (3),
        // Content_Checksum_Flag (2), Dictionary_ID_Flag (1-0).
        if ((descriptor & 0x08) != 0)
            throw CompressionDamage.Create($"the zstd data is damaged: the frame header at byte offset {_handedOn} sets its reserved bit", BytesReadTo(5));
        var singleSegment = (descriptor & 0x20) != 0;
        var contentSizeBytes = (descriptor >> 6) switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        var dictionaryIdBytes = (descriptor & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        var headerLength = 5 + (singleSegment ? 0 : 1) + dictionaryIdBytes + contentSizeBytes;
        if (!await FillAsync(headerLength, async, ct).ConfigureAwait(false)) throw CutShort();
        var field = _buffer.AsSpan(_start + headerLength - contentSizeBytes, contentSizeBytes);
        long contentSize = contentSizeBytes switch
        {
            0 => -1,
            1 => field[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(field) + 256,
            4 => BinaryPrimitives.ReadUInt32LittleEndian(field),
            // A size beyond long's range is no size this reader could hold in one buffer: treat it as unknown.
            _ => BinaryPrimitives.ReadUInt64LittleEndian(field) is var size && size <= long.MaxValue ? (long)size : -1,
        };
        _hasChecksum = (descriptor & 0x04) != 0;
        _segmentLeft = headerLength;
        _next = Part.Block;
        return new FrameHeader(contentSize, _handedOn);
    }

    /// <summary>
    /// The bytes left of the current segment of the frame being read, reading the next block header or checksum when
    /// the segment before is handed on; 0 once the frame has ended.
    /// </summary>
    public async ValueTask<long> NextSegmentAsync(bool async, CancellationToken ct)
    {
        if (_segmentLeft > 0) return _segmentLeft;
        switch (_next)
        {
            case Part.Block:
                if (!await FillAsync(3, async, ct).ConfigureAwait(false)) throw CutShort();
                var header = _buffer[_start] | _buffer[_start + 1] << 8 | _buffer[_start + 2] << 16;
                var last = (header & 1) != 0;
                var type = (header >> 1) & 3;
                var size = header >> 3;
                // RFC 8878 3.1.1.2: types 0 raw, 1 RLE (one byte stored), 2 compressed, 3 reserved.
                if (type == 3)
                    throw CompressionDamage.Create($"the zstd data is damaged: the block header at byte offset {_handedOn} has the reserved block type", BytesReadTo(3));
                if (size > BlockSizeMax)
                    throw CompressionDamage.Create($"the zstd data is damaged: the block header at byte offset {_handedOn} declares {size} bytes, " +
                        $"more than a block may hold ({BlockSizeMax})", BytesReadTo(3));
                _segmentLeft = 3 + (type == 1 ? 1 : size);
                _next = last ? (_hasChecksum ? Part.Checksum : Part.End) : Part.Block;
                return _segmentLeft;
            case Part.Checksum:
                _segmentLeft = 4;
                _next = Part.End;
                return _segmentLeft;
            default:
                return 0;
        }
    }

    /// <summary>Hands on up to <paramref name="destination"/>'s length of the current segment (at least one byte).</summary>
    public async ValueTask<int> CopyAsync(Memory<byte> destination, bool async, CancellationToken ct)
    {
        var want = (int)Math.Min(destination.Length, _segmentLeft);
        if (want == 0) return 0;
        int n;
        if (Available == 0 && want >= DirectReadMin && !_sourceEnded)
        {
            // A large segment with nothing buffered goes straight from the source to its destination.
            n = async ? await source.ReadAsync(destination[..want], ct).ConfigureAwait(false) : source.Read(destination.Span[..want]);
            if (n == 0)
            {
                _sourceEnded = true;
                throw CutShort();
            }
        }
        else
        {
            if (!await FillAsync(1, async, ct).ConfigureAwait(false)) throw CutShort();
            n = Math.Min(want, Available);
            _buffer.AsSpan(_start, n).CopyTo(destination.Span);
            _start += n;
        }
        _handedOn += n;
        _segmentLeft -= n;
        return n;
    }

    private int Available => _end - _start;

    private ReadOnlySpan<byte> Span(int length) => _buffer.AsSpan(_start, length);

    private long BytesReadTo(int length) => _handedOn + length;

    private void Skip(int n)
    {
        _start += n;
        _handedOn += n;
    }

    private async ValueTask SkipAsync(long count, bool async, CancellationToken ct)
    {
        while (count > 0)
        {
            if (!await FillAsync(1, async, ct).ConfigureAwait(false)) throw CutShort();
            var n = (int)Math.Min(count, Available);
            Skip(n);
            count -= n;
        }
    }

    /// <summary>Reads until <paramref name="count"/> bytes are buffered; false when the source ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, bool async, CancellationToken ct)
    {
        while (Available < count && !_sourceEnded)
        {
            if (_start > 0 && _buffer.Length - _start < count + 4096)
            {
                _buffer.AsSpan(_start, Available).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            var n = async
                ? await source.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false)
                : source.Read(_buffer.AsSpan(_end));
            if (n == 0) _sourceEnded = true;
            _end += n;
        }
        return Available >= count;
    }

    private static bool IsMagicPrefix(ReadOnlySpan<byte> bytes)
    {
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, FrameMagic);
        if (magic.StartsWith(bytes)) return true;
        BinaryPrimitives.WriteUInt32LittleEndian(magic, SkippableMagic);
        return bytes.Length == 0 || bytes[0] >> 4 == 5 && magic[1..].StartsWith(bytes[1..]);
    }

    private InvalidDataException CutShort() =>
        CompressionDamage.CutShort($"the zstd data ends inside a frame after {BytesRead} bytes", BytesRead);

    private InvalidDataException NotAFrame()
    {
        var read = BytesReadTo(Math.Min(4, Available));
        return _handedOn == 0
            ? CompressionDamage.Create("the data is not zstd: it does not start with a zstd frame's magic number", read)
            : CompressionDamage.Create($"the zstd data is damaged: bytes after the last frame (at byte offset {_handedOn}, not a frame's magic number)", read);
    }
}
