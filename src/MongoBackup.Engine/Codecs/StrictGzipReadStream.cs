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
/// 16-byte marker). GZipStream decodes that member, and so delivers the marker as the very last bytes, only if the
/// member before it ended with a valid trailer and was followed by nothing else; the marker is held back from the
/// caller and checked at the end. The sentinel's stored bytes never contain the marker, so a stream cut inside a
/// stored block cannot copy it through.
/// </para>
/// Failures are <see cref="InvalidDataException"/>s (<see cref="CompressionDamage"/>) that say what is wrong and how far the decoder had read.
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
    private readonly byte[] _buffer = new byte[BufferSize + Marker.Length];
    private int _start, _end;
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
        while (Deliverable == 0 && !_ended)
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
        while (Deliverable == 0 && !_ended)
        {
            int n;
            try { n = await _gzip.ReadAsync(PrepareFill(), ct).ConfigureAwait(false); }
            catch (InvalidDataException e) { throw Damaged(e); }
            Filled(n);
        }
        return Deliver(destination.Span);
    }

    /// <summary>Decompressed bytes the caller may have: all but the last marker's length until the end is known.</summary>
    private int Deliverable => Math.Max(0, _end - _start - (_ended ? 0 : Marker.Length));

    private Memory<byte> PrepareFill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        return _buffer.AsMemory(_end);
    }

    private void Filled(int n)
    {
        if (n > 0)
        {
            _end += n;
            return;
        }
        if (_source.InnerBytes == 0 && _startOffset == 0)
            throw new InvalidDataException("the file is empty, and gzip data holds at least one member (mongodump writes one even for an empty collection)");
        if (_end - _start < Marker.Length || !_buffer.AsSpan(_end - Marker.Length, Marker.Length).SequenceEqual(Marker))
            throw CompressionDamage.Create(
                $"the gzip data of {BytesRead} bytes does not end where its last member ends: it was cut short " +
                "(inside a member or its CRC-32 and length trailer), or other bytes follow the last member", BytesRead);
        _end -= Marker.Length;
        _ended = true;
    }

    private int Deliver(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, Deliverable);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    private InvalidDataException Damaged(InvalidDataException e) =>
        CompressionDamage.Create($"the gzip data is damaged (a member that does not decompress, or whose CRC-32 or length does not match): {e.Message}", BytesRead, e);

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
