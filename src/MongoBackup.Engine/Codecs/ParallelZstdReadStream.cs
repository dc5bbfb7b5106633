using System.Buffers;
using System.Collections.Concurrent;
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
internal sealed class ParallelZstdReadStream : WindowedDecodeStream
{
    /// <summary>Frames declaring more content than this stream instead of decoding whole (ours hold 1 MiB).</summary>
    internal const int MaxWholeFrameContent = 8 << 20;

    private readonly ZstdFrameScanner _scanner;

    public ParallelZstdReadStream(Stream inner) : base(inner) => _scanner = new ZstdFrameScanner(inner);

    /// <summary>Cuts the next frame by its headers; one without a content size, or too large to decode whole, streams.</summary>
    protected override async ValueTask<Pending?> CutNextAsync(bool async, CancellationToken ct)
    {
        if (await _scanner.BeginFrameAsync(async, ct).ConfigureAwait(false) is not { } header) return null;
        if (header.ContentSize is < 0 or > MaxWholeFrameContent) return Streamed(new ZstdFrameSliceStream(_scanner, [], 0));
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
                if (length + segment > limit) return Streamed(new ZstdFrameSliceStream(_scanner, frame, length));
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
        return Pending.Block(Task.Run(() => Decode(frame, length, contentSize, header.Offset, frameEnd)));
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

    private Pending Streamed(ZstdFrameSliceStream slice) => Pending.Streamed(new StreamedFrame(slice, _scanner));

    /// <summary>
    /// One frame decoded by ZstdSharp's streaming decoder on the reader's thread, its failures reported as the parallel
    /// path's are: as damage naming how far the zstd data was read.
    /// </summary>
    private sealed class StreamedFrame(ZstdFrameSliceStream slice, ZstdFrameScanner scanner) : ReadOnlyStream
    {
        private readonly DecompressionStream _decoder = new(slice, leaveOpen: true);

        public override int Read(Span<byte> destination)
        {
            try { return _decoder.Read(destination); }
            catch (Exception e) when (e is EndOfStreamException or ZstdException) { throw Damage(e); }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
        {
            try { return await _decoder.ReadAsync(destination, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is EndOfStreamException or ZstdException) { throw Damage(e); }
        }

        private InvalidDataException Damage(Exception e) => e is EndOfStreamException
            ? CompressionDamage.Create($"the zstd data of {scanner.BytesRead} bytes ends inside a frame: it was cut short", scanner.BytesRead, e)
            : CompressionDamage.Create("the zstd data is damaged (a frame that does not decode, or whose content checksum does not match): " +
                e.Message, scanner.BytesRead, e);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _decoder.Dispose();
                slice.Dispose();
            }
            base.Dispose(disposing);
        }
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
