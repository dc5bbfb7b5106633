using System.IO.Compression;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Decompresses gzip (RFC 1952, any number of members) and insists that the data ends exactly where its last member
/// ends. .NET's GZipStream checks each complete member's CRC-32 and ISIZE, but returns a clean end of stream for a
/// member cut short (in its deflate data or its trailer), for bytes after the last member, and for an empty file, so
/// a truncated .bson.gz read as a shorter, valid one. Go's gzip reader, which mongorestore uses, fails on all of
/// these ("unexpected EOF", "invalid header").
/// <para>
/// The check uses GZipStream itself: behind the real data it reads one more, known member (a sentinel holding a
/// 16-byte marker). Data that ends where a member ends decodes the sentinel as a member of its own, so exactly the
/// marker comes out after the real data, and then the end. Data cut inside a member does not: the decoder takes the
/// sentinel's bytes for the rest of the cut member (its deflate data, its trailer, the next member's header) and
/// fails, or decodes garbage from them. So nothing decoded once the decoder has begun on the sentinel is handed to
/// the caller: it is held back, and must be exactly the marker followed by the end; anything else is data cut short
/// at the stored length. (GZipStream reads more input only when its inflater can make no more output from what it
/// has, and returns from a read the output of one inflate, so every byte it returns before the read that began on the
/// sentinel was decoded from the real data alone.) The sentinel's stored bytes never contain the marker, so a stream
/// cut inside a stored block cannot copy it through.
/// </para>
/// Failures are <see cref="InvalidDataException"/>s (<see cref="CompressionDamage"/>) that say what is wrong and how far
/// the decoder had read; a cut one is <see cref="CompressionDamage.IsCutShort"/>, at the length of the data.
/// </summary>
internal sealed class StrictGzipReadStream : ReadOnlyStream
{
    private const int BufferSize = 64 * 1024;
    private static readonly byte[] Marker =
        [0x4d, 0x42, 0x2d, 0xe7, 0x91, 0x3c, 0xa8, 0x5f, 0x02, 0xd6, 0x7b, 0xc4, 0x19, 0xee, 0x60, 0xb3];
    private static readonly byte[] Sentinel = MakeSentinel();

    private readonly SuffixedReadStream _source;
    private readonly long _startOffset;
    private readonly GZipStream _gzip;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start, _end;
    private readonly byte[] _tail = new byte[Marker.Length]; // what was decoded once the decoder began on the sentinel
    private int _tailLength;
    private bool _ended;

    /// <param name="inner">The gzip data.</param>
    /// <param name="startOffset">Where <paramref name="inner"/> starts in the file, for the offsets failures name: a reader
    /// that cut the members before it itself hands the rest of the file here.</param>
    public StrictGzipReadStream(Stream inner, long startOffset = 0)
    {
        _source = new SuffixedReadStream(inner, Sentinel);
        _startOffset = startOffset;
        _gzip = new GZipStream(_source, CompressionMode.Decompress, leaveOpen: false);
    }

    public override int Read(Span<byte> destination)
    {
        if (destination.IsEmpty) return 0;
        while (_start == _end && !_ended)
        {
            int n;
            try { n = _gzip.Read(PrepareFill().Span); }
            catch (InvalidDataException e) { throw Damaged(e); }
            Filled(n);
        }
        return Deliver(destination);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (destination.IsEmpty) return 0;
        while (_start == _end && !_ended)
        {
            int n;
            try { n = await _gzip.ReadAsync(PrepareFill(), ct).ConfigureAwait(false); }
            catch (InvalidDataException e) { throw Damaged(e); }
            Filled(n);
        }
        return Deliver(destination.Span);
    }

    private Memory<byte> PrepareFill()
    {
        _start = _end = 0;
        return _buffer;
    }

    private void Filled(int n)
    {
        if (n > 0 && !_source.InSuffix)
        {
            _end = n;
            return;
        }
        if (n > 0)
        {
            // Decoded at least in part from the sentinel: held back, and no more than the marker may come.
            if (_tailLength + n > Marker.Length) throw CutShort();
            _buffer.AsSpan(0, n).CopyTo(_tail.AsSpan(_tailLength));
            _tailLength += n;
            return;
        }
        if (_source.InnerBytes == 0 && _startOffset == 0)
            throw new InvalidDataException("the file is empty, and gzip data holds at least one member (mongodump writes one even for an empty collection)");
        if (!_source.InSuffix)
            throw CompressionDamage.Create(
                $"the gzip data does not end where its last member ends: bytes that are not a gzip member follow it " +
                $"(the decompressor stopped there, having read {BytesRead} bytes)", BytesRead);
        if (_tailLength != Marker.Length || !_tail.AsSpan().SequenceEqual(Marker)) throw CutShort();
        _ended = true;
    }

    private int Deliver(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    private InvalidDataException CutShort(Exception? inner = null) => CompressionDamage.CutShort(
        $"the gzip data ends inside a member (in its deflate data, its CRC-32 and length trailer, or its header) after {BytesRead} bytes",
        BytesRead, inner);

    // Once the decoder has begun on the sentinel, a failure is the sentinel's bytes taken for the rest of a cut member.
    private InvalidDataException Damaged(InvalidDataException e) => _source.InSuffix
        ? CutShort(e)
        : CompressionDamage.Create($"the gzip data is damaged (a member that does not decompress, or whose CRC-32 or length does not match): {e.Message}", BytesRead, e);

    /// <summary>Bytes of the file read so far, counted from its start.</summary>
    private long BytesRead => _startOffset + _source.InnerBytes;

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }

    private static byte[] MakeSentinel()
    {
        var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(Marker);
        var bytes = member.ToArray();
        if (bytes.AsSpan().IndexOf(Marker) >= 0)
            throw new InvalidOperationException("The gzip sentinel stores its marker verbatim; choose another marker.");
        return bytes;
    }
}
