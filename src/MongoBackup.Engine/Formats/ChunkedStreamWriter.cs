using System.Buffers;
using System.Threading.Channels;
using MongoDB.Bson;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Moves documents from one or more cursor readers to a single writer task through a few pooled 1 MiB chunks, so
/// compression and encryption of the output stream run off the readers' threads with bounded memory. Every chunk
/// holds whole documents, so chunks of several readers (the _id ranges of one collection) can interleave in the file:
/// a mongodump .bson file is a sequence of documents in any order.
/// </summary>
public sealed class ChunkedStreamWriter : IAsyncDisposable
{
    internal const int ChunkSize = 1 << 20;
    private const int ChunksInFlight = 4;

    private readonly Channel<(byte[] Buffer, int Length)> _chunks =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true });
    private readonly Task _writer;
    private readonly DocumentChunker _default;

    /// <summary>
    /// Starts the writer task that drains chunks into <paramref name="output"/> (which it does not dispose).
    /// </summary>
    public ChunkedStreamWriter(Stream output, CancellationToken ct)
    {
        _writer = Task.Run(() => DrainAsync(output, ct), ct);
        _default = new DocumentChunker(this);
    }

    /// <summary>Appends a document through this writer's own chunker (one reader).</summary>
    public ValueTask WriteDocumentAsync(RawBsonDocument document, CancellationToken ct) => _default.AppendAsync(document, ct);

    /// <summary>A chunker for one more concurrent reader; complete it before completing the writer.</summary>
    public DocumentChunker CreateChunker() => new(this);

    /// <summary>Hands over what is buffered, waits for the writer to finish, and surfaces its failure if any.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        await _default.CompleteAsync(ct);
        _chunks.Writer.TryComplete();
        await _writer;
    }

    internal async ValueTask SubmitAsync(byte[] buffer, int length, CancellationToken ct)
    {
        if (_writer.IsFaulted) await _writer; // rethrow the writer's failure on the reader side
        try
        {
            await _chunks.Writer.WriteAsync((buffer, length), ct);
        }
        catch (ChannelClosedException)
        {
            // Only a failing writer closes the channel while readers still submit, and it closes it just before its task
            // fails: the writer's error (a full disk) is the one to raise, not the closed channel it leaves behind.
            ArrayPool<byte>.Shared.Return(buffer);
            await _writer;
            throw;
        }
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

    /// <summary>
    /// Stops the writer and returns every pooled chunk; a write failure is not raised here (only <see cref="CompleteAsync"/> raises it).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _chunks.Writer.TryComplete();
        try { await _writer; } catch { /* already surfaced through CompleteAsync, or the run is being abandoned */ }
        while (_chunks.Reader.TryRead(out var left)) ArrayPool<byte>.Shared.Return(left.Buffer);
        _default.Release();
    }
}

/// <summary>One reader's chunk under construction: whole documents only, handed to the writer when full.</summary>
public sealed class DocumentChunker
{
    private readonly ChunkedStreamWriter _writer;
    private byte[] _current = ArrayPool<byte>.Shared.Rent(ChunkedStreamWriter.ChunkSize);
    private int _used;

    internal DocumentChunker(ChunkedStreamWriter writer) => _writer = writer;

    /// <summary>
    /// Copies the document's raw bytes into the current 1 MiB chunk, handing the chunk to the writer first when the document
    /// does not fit; waits while four chunks are in flight (back-pressure).
    /// </summary>
    public async ValueTask AppendAsync(RawBsonDocument document, CancellationToken ct)
    {
        var slice = document.Slice;
        var length = slice.Length;
        if (_used + length > _current.Length)
        {
            if (_used > 0) await FlushAsync(ct);
            // A document larger than a chunk (up to 16 MiB) gets a chunk of its own size.
            if (length > _current.Length)
            {
                ArrayPool<byte>.Shared.Return(_current);
                _current = ArrayPool<byte>.Shared.Rent(length);
            }
        }
        slice.GetBytes(0, _current, _used, length);
        _used += length;
    }

    /// <summary>Hands over the last, partly filled chunk; call once this reader has appended everything.</summary>
    public async ValueTask CompleteAsync(CancellationToken ct)
    {
        if (_used > 0) await FlushAsync(ct);
    }

    private async ValueTask FlushAsync(CancellationToken ct)
    {
        var full = _current;
        var used = _used;
        _current = ArrayPool<byte>.Shared.Rent(ChunkedStreamWriter.ChunkSize);
        _used = 0;
        await _writer.SubmitAsync(full, used, ct);
    }

    internal void Release() => ArrayPool<byte>.Shared.Return(_current);
}
