using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using ZstdSharp;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Decompresses zstd (RFC 8878, any number of frames) on every core, delivering the data in order. Our writer
/// (<see cref="ParallelCompressionStream"/>) stores each file as independent frames of at most 1 MiB that declare
/// their content size, so one large collection's file need not decode on one thread: a <see cref="ZstdFrameScanner"/>
/// finds each frame's end from its headers alone, and a window of a few whole frames decodes on the thread pool
/// while the caller reads the oldest. Memory stays bounded (the window, buffers rented from the shared pool). A frame
/// that declares no content size, or a large one (the zstd CLI writes one frame per file), is streamed through
/// ZstdSharp's decoder on the caller's thread instead, so files from other writers read as before.
/// <para>
/// Every way the data can fail to end where its last frame ends is an <see cref="InvalidDataException"/>
/// (<see cref="CompressionDamage"/>) thrown when the reader reaches it, after all the data before it: an empty file,
/// a cut inside a frame, bytes after the last frame, a frame that does not decode or whose content checksum or size
/// does not match. A frame's failure names the offset where it ends (the damage is at or before it).
/// </para>
/// The source is read forward, each byte once, and to its end (a decrypting or hashing stream may sit under it).
/// </summary>
internal sealed class ParallelZstdReadStream : ReadOnlyStream
{
    /// <summary>Frames declaring more content than this stream instead of decoding whole (ours hold 1 MiB).</summary>
    internal const int MaxWholeFrameContent = 8 << 20;
    private static readonly int Window = Math.Max(2, Environment.ProcessorCount + 1);

    private readonly Stream _inner;
    private readonly ZstdFrameScanner _scanner;
    private readonly Queue<Pending> _pending = new();
    private bool _scanEnded;      // the source ended after a frame, or reading it failed
    private bool _streamedQueued; // a frame to stream is queued or being read: the scanner waits inside it
    private readonly DecodedBlock _out = new();
    private DecompressionStream? _streaming;
    private ZstdFrameSliceStream? _slice;
    private ExceptionDispatchInfo? _failure; // once reading failed, every later read fails the same way

    public ParallelZstdReadStream(Stream inner)
    {
        _inner = inner;
        _scanner = new ZstdFrameScanner(inner);
    }

    /// <summary>A frame in the window: being decoded, to be streamed, or the failure that stopped the scan.</summary>
    private sealed record Pending(Task<Decoded>? Decoding, ZstdFrameSliceStream? Streamed, ExceptionDispatchInfo? Failure);

    private readonly record struct Decoded(byte[] Buffer, int Length);

    public override int Read(Span<byte> destination)
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
            if (_streaming is not null)
            {
                int n;
                try { n = _streaming.Read(destination); }
                catch (Exception e) when (e is EndOfStreamException or ZstdException) { throw StreamedDamage(e); }
                if (n > 0) return n;
                EndStreamed();
                continue;
            }
            _out.Release();
            TopUpAsync(async: false, default).GetAwaiter().GetResult();
            if (!_pending.TryDequeue(out var next)) return 0;
            if (next.Decoding is not null) { var decoded = next.Decoding.GetAwaiter().GetResult(); _out.Take(decoded.Buffer, decoded.Length); }
            else Start(next);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        _failure?.Throw();
        if (destination.IsEmpty) return ValueTask.FromResult(0);
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
            if (_streaming is not null)
            {
                int n;
                try { n = await _streaming.ReadAsync(destination, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is EndOfStreamException or ZstdException) { throw StreamedDamage(e); }
                if (n > 0) return n;
                EndStreamed();
                continue;
            }
            _out.Release();
            await TopUpAsync(async: true, ct).ConfigureAwait(false);
            if (!_pending.TryDequeue(out var next)) return 0;
            if (next.Decoding is not null) { var decoded = await next.Decoding.ConfigureAwait(false); _out.Take(decoded.Buffer, decoded.Length); }
            else Start(next);
        }
    }

    /// <summary>Starts reading a frame that streams, or throws the failure that ended the scan, in its place in the data.</summary>
    private void Start(Pending next)
    {
        next.Failure?.Throw();
        _slice = next.Streamed!;
        _streaming = new DecompressionStream(_slice, leaveOpen: true);
    }

    private void EndStreamed()
    {
        _streaming!.Dispose();
        _slice!.Dispose();
        _streaming = null;
        _slice = null;
        _streamedQueued = false;
    }

    private InvalidDataException StreamedDamage(Exception e) => e is EndOfStreamException
        ? CompressionDamage.Create($"the zstd data of {_scanner.BytesRead} bytes ends inside a frame: it was cut short", _scanner.BytesRead, e)
        : CompressionDamage.Create("the zstd data is damaged (a frame that does not decode, or whose content checksum does not match): " +
            e.Message, _scanner.BytesRead, e);

    /// <summary>Reads frames ahead until the window is full, the data ends, or a frame must be streamed.</summary>
    private async ValueTask TopUpAsync(bool async, CancellationToken ct)
    {
        while (!_scanEnded && !_streamedQueued && _pending.Count < Window)
        {
            Pending? next;
            try { next = await ScanFrameAsync(async, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Damage (or a failing source) is reported after the frames before it, as a sequential decoder would.
                next = new Pending(null, null, ExceptionDispatchInfo.Capture(e));
            }
            if (next is null || next.Failure is not null) _scanEnded = true;
            if (next is null) return;
            if (next.Streamed is not null) _streamedQueued = true;
            _pending.Enqueue(next);
        }
    }

    private async ValueTask<Pending?> ScanFrameAsync(bool async, CancellationToken ct)
    {
        if (await _scanner.BeginFrameAsync(async, ct).ConfigureAwait(false) is not { } header) return null;
        if (header.ContentSize is < 0 or > MaxWholeFrameContent) return new Pending(null, new ZstdFrameSliceStream(_scanner, [], 0), null);
        var contentSize = (int)header.ContentSize;
        // A frame our writer (libzstd) compressed never exceeds its bound; one that does (another writer's many tiny
        // blocks) is streamed from what was read of it so far.
        var limit = Compressor.GetCompressBound(contentSize) + 64;
        var frame = ArrayPool<byte>.Shared.Rent(limit);
        var length = 0;
        try
        {
            long segment;
            while ((segment = await _scanner.NextSegmentAsync(async, ct).ConfigureAwait(false)) > 0)
            {
                if (length + segment > limit) return new Pending(null, new ZstdFrameSliceStream(_scanner, frame, length), null);
                for (var end = length + (int)segment; length < end;)
                    length += await _scanner.CopyAsync(frame.AsMemory(length, end - length), async, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(frame);
            throw;
        }
        var frameEnd = _scanner.Position;
        return new Pending(Task.Run(() => Decode(frame, length, contentSize, header.Offset, frameEnd)), null, null);
    }

    private static Decoded Decode(byte[] frame, int length, int contentSize, long start, long end)
    {
        var output = contentSize == 0 ? [] : ArrayPool<byte>.Shared.Rent(contentSize);
        var decompressor = Decompressors.Rent();
        string problem;
        Exception? cause = null;
        try
        {
            var n = decompressor.Unwrap(frame.AsSpan(0, length), output.AsSpan(0, contentSize));
            Decompressors.Return(decompressor);
            // libzstd checks a declared content size itself; this only makes sure nothing unwritten is delivered.
            if (n == contentSize) return new Decoded(output, n);
            problem = $"it declares {contentSize} bytes of content and holds {n}";
        }
        catch (ZstdException e)
        {
            decompressor.Dispose();
            problem = $"damaged, or its content checksum does not match: {e.Message}";
            cause = e;
        }
        finally { ArrayPool<byte>.Shared.Return(frame); }
        if (output.Length > 0) ArrayPool<byte>.Shared.Return(output);
        throw CompressionDamage.Create($"the zstd data is damaged: the frame at byte offsets {start} to {end} does not decode ({problem})", end, cause);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _streaming?.Dispose();
            _slice?.Dispose();
            _out.Release();
            while (_pending.TryDequeue(out var pending))
            {
                pending.Streamed?.Dispose();
                if (pending.Decoding is null) continue;
                // A frame being decoded holds rented buffers: let it finish and give them back.
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

    /// <summary>
    /// Decoding contexts kept for reuse: each holds some hundred KiB of native memory, and creating one per 1 MiB frame
    /// would cost more than keeping a few.
    /// </summary>
    private static class Decompressors
    {
        private static readonly ConcurrentBag<Decompressor> Idle = [];
        private static readonly int MaxIdle = Math.Max(2, Environment.ProcessorCount * 2);

        public static Decompressor Rent() => Idle.TryTake(out var d) ? d : new Decompressor();

        public static void Return(Decompressor d)
        {
            if (Idle.Count < MaxIdle) Idle.Add(d);
            else d.Dispose();
        }
    }
}
