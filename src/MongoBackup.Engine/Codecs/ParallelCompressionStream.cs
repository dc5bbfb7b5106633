using System.Buffers;
using System.IO.Compression;
using ZstdSharp;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Compresses on every core: what is written is cut into 1 MiB blocks, each compressed on the thread pool into a
/// complete gzip member or zstd frame, and the results are written in order. Concatenated members and frames are
/// valid gzip and zstd (mongorestore, gunzip, zstd and .NET all read them), so one large collection no longer
/// compresses on a single core. Each gzip member's header carries the member's size in an extra field
/// (<see cref="GzipMemberSize"/>), which other readers skip and ours uses to inflate members in parallel. Memory stays bounded: a few blocks in flight per file, input and output buffers
/// both rented from the shared pool (1 MiB outputs allocated per block would land on the large object heap, which
/// is only reclaimed by full collections, and let the heap grow with the length of a backup).
/// </summary>
internal sealed class ParallelCompressionStream : Stream
{
    private const int BlockSize = 1 << 20;
    private static readonly int MaxInFlight = Math.Max(2, Environment.ProcessorCount + 1);

    // An empty gzip member: mongorestore --gzip fails on a zero-byte .bson.gz, mongodump writes this instead.
    private static readonly byte[] EmptyGzipMember =
        [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    private readonly Stream _inner;
    private readonly Compression _compression;
    private readonly CancellationToken _abandon;
    private readonly CompressionLevel _level;
    private readonly Queue<Task<CompressedBlock>> _inFlight = new();
    private byte[] _block = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int _used;
    private bool _wroteAny;
    private bool _disposed;

    /// <param name="level">One of <see cref="CompressionLevels.Choosable"/>.</param>
    /// <param name="abandon">Once cancelled (the run was stopped), disposing drops the blocks not yet written instead of
    /// compressing and writing them: the file is about to be deleted, and Ctrl+C must not wait for it.</param>
    public ParallelCompressionStream(Stream inner, Compression compression, CompressionLevel level = CompressionLevel.Optimal,
        CancellationToken abandon = default)
    {
        if (compression == Compression.None) throw new ArgumentOutOfRangeException(nameof(compression));
        if (!CompressionLevels.Choosable.Contains(level)) throw new ArgumentOutOfRangeException(nameof(level));
        _inner = inner;
        _compression = compression;
        _abandon = abandon;
        _level = level;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        while (buffer.Length > 0)
        {
            var take = Math.Min(buffer.Length, BlockSize - _used);
            buffer[..take].CopyTo(_block.AsMemory(_used));
            _used += take;
            buffer = buffer[take..];
            if (_used == BlockSize) await SubmitBlockAsync(ct).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private async Task SubmitBlockAsync(CancellationToken ct)
    {
        var block = _block;
        var length = _used;
        _block = ArrayPool<byte>.Shared.Rent(BlockSize);
        _used = 0;
        _wroteAny = true;
        _inFlight.Enqueue(Task.Run(() =>
        {
            try { return Compress(block.AsSpan(0, length)); }
            finally { ArrayPool<byte>.Shared.Return(block); }
        }, ct));
        // Write finished blocks in order; wait for the oldest only when too many are in flight.
        while (_inFlight.Count >= MaxInFlight || _inFlight.Count > 0 && _inFlight.Peek().IsCompleted)
            await WriteOldestAsync(ct).ConfigureAwait(false);
    }

    private async Task WriteOldestAsync(CancellationToken ct)
    {
        var compressed = await _inFlight.Dequeue().ConfigureAwait(false);
        try { await _inner.WriteAsync(compressed.Buffer.AsMemory(0, compressed.Length), ct).ConfigureAwait(false); }
        finally { ArrayPool<byte>.Shared.Return(compressed.Buffer); }
    }

    /// <summary>Lets the blocks being compressed finish (they hold rented buffers) and returns their buffers unwritten.</summary>
    private async Task DiscardInFlightAsync()
    {
        while (_inFlight.Count > 0)
        {
            try { ArrayPool<byte>.Shared.Return((await _inFlight.Dequeue().ConfigureAwait(false)).Buffer); }
            catch (OperationCanceledException) { /* never started: its input buffer was returned by the task */ }
        }
    }

    /// <summary>A compressed block in a rented buffer; whoever writes it out returns the buffer.</summary>
    private readonly record struct CompressedBlock(byte[] Buffer, int Length);

    private CompressedBlock Compress(ReadOnlySpan<byte> block)
    {
        if (_compression == Compression.Zstd)
        {
            using var zstd = new Compressor(CompressionLevels.Zstd(_level));
            // A content checksum in every frame: without it a damaged .zst outside a snapshot decompresses to wrong bytes unnoticed.
            zstd.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            // zstd's bound is exact: a frame never exceeds it, raw blocks included.
            var zstdOutput = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(block.Length));
            return new CompressedBlock(zstdOutput, zstd.Wrap(block, zstdOutput));
        }
        // gzip's output has no bound to rely on (at its fastest level random bytes grow by 5.5%), so it goes into a
        // growing buffer; a block that grew is stored instead (deflate's stored blocks cost 5 bytes per 64 KiB).
        // Each member's header then carries its size (GzipMemberSize), in room reserved before it, so readers can
        // inflate members on every core.
        using var output = new PooledBufferStream(block.Length + block.Length / 16 + 64);
        output.Write(stackalloc byte[GzipMemberSize.ExtraLength]);
        using (var gzip = CompressionLevels.Gzip(output, _level)) gzip.Write(block);
        if (output.Length > block.Length + GzipMemberSize.ExtraLength)
        {
            output.Clear();
            output.Write(stackalloc byte[GzipMemberSize.ExtraLength]);
            using var stored = new GZipStream(output, CompressionLevel.NoCompression, leaveOpen: true);
            stored.Write(block);
        }
        var (buffer, length) = output.Detach();
        GzipMemberSize.Insert(buffer, length);
        return new CompressedBlock(buffer, length);
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (_abandon.IsCancellationRequested)
            {
                await DiscardInFlightAsync().ConfigureAwait(false);
                return;
            }
            if (_used > 0) await SubmitBlockAsync(CancellationToken.None).ConfigureAwait(false);
            while (_inFlight.Count > 0) await WriteOldestAsync(CancellationToken.None).ConfigureAwait(false);
            if (!_wroteAny)
            {
                if (_compression == Compression.Gzip) await _inner.WriteAsync(EmptyGzipMember).ConfigureAwait(false);
                else
                {
                    _inFlight.Enqueue(Task.FromResult(Compress([])));
                    await WriteOldestAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_block);
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
