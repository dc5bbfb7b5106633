using System.Buffers;
using System.Threading.Channels;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// Moves bytes from a reader thread to a writer task through a few pooled 1 MiB chunks, so compression
/// (and later encryption) of the output stream runs off the cursor's thread with bounded memory.
/// </summary>
public sealed class ChunkedStreamWriter : IAsyncDisposable
{
    private const int ChunkSize = 1 << 20;
    private const int ChunksInFlight = 4;

    private readonly Channel<(byte[] Buffer, int Length)> _chunks =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
    private readonly Task _writer;
    private byte[] _current = ArrayPool<byte>.Shared.Rent(ChunkSize);
    private int _used;

    public ChunkedStreamWriter(Stream output, CancellationToken ct)
    {
        _writer = Task.Run(() => DrainAsync(output, ct), ct);
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        while (bytes.Length > 0)
        {
            if (_used == _current.Length) await FlushChunkAsync(ct);
            var take = Math.Min(bytes.Length, _current.Length - _used);
            bytes[..take].CopyTo(_current.AsMemory(_used));
            _used += take;
            bytes = bytes[take..];
        }
    }

    /// <summary>Hands over what is buffered, waits for the writer to finish, and surfaces its failure if any.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_used > 0) await FlushChunkAsync(ct);
        _chunks.Writer.TryComplete();
        await _writer;
    }

    private async ValueTask FlushChunkAsync(CancellationToken ct)
    {
        if (_writer.IsFaulted) await _writer; // rethrow the writer's failure on the reader side
        await _chunks.Writer.WriteAsync((_current, _used), ct);
        _current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        _used = 0;
    }

    private async Task DrainAsync(Stream output, CancellationToken ct)
    {
        try
        {
            await foreach (var (buffer, length) in _chunks.Reader.ReadAllAsync(ct))
            {
                try { await output.WriteAsync(buffer.AsMemory(0, length), ct); }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            }
        }
        catch
        {
            _chunks.Writer.TryComplete();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _chunks.Writer.TryComplete();
        try { await _writer; } catch { /* already surfaced through CompleteAsync, or the run is being abandoned */ }
        while (_chunks.Reader.TryRead(out var left)) ArrayPool<byte>.Shared.Return(left.Buffer);
        ArrayPool<byte>.Shared.Return(_current);
    }
}
