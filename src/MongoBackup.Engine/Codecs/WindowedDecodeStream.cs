using System.Buffers;
using System.Runtime.ExceptionServices;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// What the parallel readers (<see cref="ParallelGzipReadStream"/>, <see cref="ParallelZstdReadStream"/>) share: a
/// window of whole blocks cut from the source and decoded on the thread pool while the caller reads the oldest, handed
/// out in order through <see cref="DecodedBlock"/>; a block the codec cannot decode whole read through a fallback
/// stream on the caller's thread in its place, the scan waiting until that stream has ended; and a failure met while
/// cutting a block thrown in its place in the data, after every block before it. Once a read failed, every later read
/// fails the same way (a retry must not look like a clean end). A codec supplies only how the next block is cut
/// (<see cref="CutNextAsync"/>) and decoded, and what its fallback stream is.
/// <para>Memory stays bounded: the window (one more block than there are cores), buffers rented from the shared pool.</para>
/// </summary>
internal abstract class WindowedDecodeStream : ReadOnlyStream
{
    private static readonly int Window = Math.Max(2, Environment.ProcessorCount + 1);

    private readonly Stream _inner;
    private readonly Queue<Pending> _pending = new();
    private readonly DecodedBlock _out = new();
    private bool _scanEnded;      // the codec found the end of the data, or cutting a block failed
    private bool _fallbackQueued; // a fallback stream is queued or being read: the scan waits until it has ended
    private Stream? _fallback;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Reads <paramref name="inner"/> (disposed with this stream) forward, each byte once, to its end.</summary>
    protected WindowedDecodeStream(Stream inner) => _inner = inner;

    /// <summary>The stream the blocks are cut from.</summary>
    protected Stream Inner => _inner;

    /// <summary>A decoded block: the first <see cref="Length"/> bytes of a buffer rented from <see cref="ArrayPool{T}.Shared"/> (an empty array for none).</summary>
    protected readonly record struct Decoded(byte[] Buffer, int Length);

    /// <summary>
    /// The next thing in the window, in the data's order: a block being decoded (the task returns its rented buffer,
    /// or throws the block's damage having returned its buffers), a stream read on the caller's thread in its place,
    /// or the failure that stopped the scan.
    /// </summary>
    protected readonly record struct Pending(Task<Decoded>? Decoding, Stream? Fallback, ExceptionDispatchInfo? Failure)
    {
        /// <summary>A block decoding on the thread pool.</summary>
        public static Pending Block(Task<Decoded> decoding) => new(decoding, null, null);
        /// <summary>A stream to read in this place (whatever it was given of the source first); the scan resumes once it has ended.</summary>
        public static Pending Streamed(Stream fallback) => new(null, fallback, null);
    }

    /// <summary>
    /// Cuts the next block from the source (synchronously when <paramref name="async"/> is false: it must then complete
    /// without awaiting), or null where the data ends; throws where it finds damage.
    /// </summary>
    protected abstract ValueTask<Pending?> CutNextAsync(bool async, CancellationToken ct);

    public sealed override int Read(Span<byte> destination)
    {
        _failure?.Throw();
        if (destination.IsEmpty) return 0;
        try { return ReadCore(destination); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
            throw;
        }
    }

    private int ReadCore(Span<byte> destination)
    {
        while (true)
        {
            if (_out.HasBytes) return _out.CopyTo(destination);
            if (_fallback is not null)
            {
                var n = _fallback.Read(destination);
                if (n > 0) return n;
                EndFallback();
                continue;
            }
            _out.Release();
            TopUpAsync(async: false, default).GetAwaiter().GetResult();
            if (!_pending.TryDequeue(out var next)) return 0;
            if (next.Decoding is not null) { var decoded = next.Decoding.GetAwaiter().GetResult(); _out.Take(decoded.Buffer, decoded.Length); }
            else Start(next);
        }
    }

    public sealed override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        _failure?.Throw();
        if (destination.IsEmpty) return ValueTask.FromResult(0);
        // Most reads are served from the block in hand, without an async state machine.
        if (_out.HasBytes) return ValueTask.FromResult(_out.CopyTo(destination.Span));
        return ReadSlowAsync(destination, ct);
    }

    private async ValueTask<int> ReadSlowAsync(Memory<byte> destination, CancellationToken ct)
    {
        try { return await ReadCoreAsync(destination, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
            throw;
        }
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> destination, CancellationToken ct)
    {
        while (true)
        {
            if (_out.HasBytes) return _out.CopyTo(destination.Span);
            if (_fallback is not null)
            {
                var n = await _fallback.ReadAsync(destination, ct).ConfigureAwait(false);
                if (n > 0) return n;
                EndFallback();
                continue;
            }
            _out.Release();
            await TopUpAsync(async: true, ct).ConfigureAwait(false);
            if (!_pending.TryDequeue(out var next)) return 0;
            if (next.Decoding is not null) { var decoded = await next.Decoding.ConfigureAwait(false); _out.Take(decoded.Buffer, decoded.Length); }
            else Start(next);
        }
    }

    /// <summary>Starts reading a fallback stream, or throws the failure that ended the scan, in its place in the data.</summary>
    private void Start(Pending next)
    {
        next.Failure?.Throw();
        _fallback = next.Fallback!;
    }

    private void EndFallback()
    {
        _fallback!.Dispose();
        _fallback = null;
        _fallbackQueued = false;
    }

    /// <summary>Cuts blocks ahead until the window is full, the data ends, or a fallback stream must be read first.</summary>
    private async ValueTask TopUpAsync(bool async, CancellationToken ct)
    {
        while (!_scanEnded && !_fallbackQueued && _pending.Count < Window)
        {
            Pending? next;
            try { next = await CutNextAsync(async, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Damage (or a failing source) is reported after the blocks before it, as a serial decoder would.
                next = new Pending(null, null, ExceptionDispatchInfo.Capture(e));
            }
            if (next is not { } found || found.Failure is not null) _scanEnded = true;
            if (next is not { } pending) return;
            if (pending.Fallback is not null) _fallbackQueued = true;
            _pending.Enqueue(pending);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback?.Dispose();
            _out.Release();
            while (_pending.TryDequeue(out var pending))
            {
                pending.Fallback?.Dispose();
                if (pending.Decoding is null) continue;
                // A block being decoded holds rented buffers: let it finish and give them back.
                try
                {
                    var buffer = pending.Decoding.GetAwaiter().GetResult().Buffer;
                    if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
                }
                catch (InvalidDataException) { /* its buffers went back when it failed */ }
            }
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
