using ZstdSharp;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Decompresses zstd (RFC 8878, any number of frames) and reports every way the data can fail to end where its last
/// frame ends as an <see cref="InvalidDataException"/> (<see cref="CompressionDamage"/>) that says so and how far the decoder had read: ZstdSharp already refuses a frame cut short
/// (EndOfStreamException) and bytes after the last frame (ZstdException), and checks a frame's content checksum when
/// it has one; an empty file, which it reads as no data, is refused here (our writer puts one frame in every file).
/// </summary>
internal sealed class StrictZstdReadStream : ReadOnlyStream
{
    private readonly SuffixedReadStream _source;
    private readonly DecompressionStream _zstd;
    private bool _ended;

    public StrictZstdReadStream(Stream inner)
    {
        _source = new SuffixedReadStream(inner, []);
        _zstd = new DecompressionStream(_source, leaveOpen: false);
    }

    public override int Read(Span<byte> destination)
    {
        if (_ended || destination.IsEmpty) return 0;
        try { return Checked(_zstd.Read(destination)); }
        catch (Exception e) when (e is EndOfStreamException or ZstdException) { throw Damaged(e); }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (_ended || destination.IsEmpty) return 0;
        try { return Checked(await _zstd.ReadAsync(destination, ct).ConfigureAwait(false)); }
        catch (Exception e) when (e is EndOfStreamException or ZstdException) { throw Damaged(e); }
    }

    private int Checked(int n)
    {
        if (n > 0) return n;
        if (_source.InnerBytes == 0)
            throw new InvalidDataException("the file is empty, and zstd data holds at least one frame");
        _ended = true;
        return 0;
    }

    private InvalidDataException Damaged(Exception e) => e is EndOfStreamException
        ? CompressionDamage.Create($"the zstd data of {_source.InnerBytes} bytes ends inside a frame: it was cut short", _source.InnerBytes, e)
        : CompressionDamage.Create("the zstd data is damaged (a frame that does not decode, a content checksum that does not match, or bytes after the last frame): " +
              e.Message, _source.InnerBytes, e);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _zstd.Dispose();
        base.Dispose(disposing);
    }
}
