using System.Buffers;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// One zstd frame as a stream, for a streaming decoder: the bytes of it already handed on (a rented buffer, returned
/// when this is disposed), then the rest of it from the <see cref="ZstdFrameScanner"/>, ending exactly where the frame
/// ends, so the decoder never reads into the next frame.
/// </summary>
internal sealed class ZstdFrameSliceStream(ZstdFrameScanner scanner, byte[] prefix, int prefixLength) : ReadOnlyStream
{
    private int _prefixRead;
    private byte[] _prefix = prefix;

    public override int Read(Span<byte> destination)
    {
        if (destination.IsEmpty) return 0;
        if (_prefixRead < prefixLength) return FromPrefix(destination);
        // The scanner's synchronous path completes without awaiting, so the rented array is safe to use here.
        var rented = ArrayPool<byte>.Shared.Rent(destination.Length);
        try
        {
            var n = ReadFrameAsync(rented.AsMemory(0, destination.Length), async: false, default).GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(destination);
            return n;
        }
        finally { ArrayPool<byte>.Shared.Return(rented); }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (destination.IsEmpty) return ValueTask.FromResult(0);
        if (_prefixRead < prefixLength) return ValueTask.FromResult(FromPrefix(destination.Span));
        return ReadFrameAsync(destination, async: true, ct);
    }

    private async ValueTask<int> ReadFrameAsync(Memory<byte> destination, bool async, CancellationToken ct)
    {
        var left = await scanner.NextSegmentAsync(async, ct).ConfigureAwait(false);
        return left == 0 ? 0 : await scanner.CopyAsync(destination, async, ct).ConfigureAwait(false);
    }

    private int FromPrefix(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, prefixLength - _prefixRead);
        _prefix.AsSpan(_prefixRead, n).CopyTo(destination);
        _prefixRead += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _prefix.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_prefix);
            _prefix = [];
        }
        base.Dispose(disposing);
    }
}
