using System.Buffers;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// A stream read ahead in large chunks into one pooled buffer, so records (BSON documents) are cut from memory rather
/// than read a call each. The buffer grows to hold the largest record asked for; bytes are read only when less than the
/// record being cut is buffered, so moving what is left to the front before a read costs little.
/// </summary>
internal sealed class ReadAheadBuffer(Stream stream, int chunkSize, int largestRecord) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
    private int _start, _end, _want;

    /// <summary>Bytes read and not yet consumed.</summary>
    public int Buffered => _end - _start;

    /// <summary>The stream has no more bytes.</summary>
    public bool Ended { get; private set; }

    /// <summary>The buffered bytes; valid until the next read or <see cref="Consume"/>.</summary>
    public Span<byte> Bytes => _buffer.AsSpan(_start, Buffered);

    /// <summary>True when <paramref name="count"/> bytes are buffered, or no more will come; the next read makes room for them.</summary>
    public bool Has(int count)
    {
        _want = count;
        return Buffered >= count || Ended;
    }

    public void Consume(int count)
    {
        _start += count;
        if (_start == _end) _start = _end = 0;
    }

    /// <summary>Reads what the stream gives into the room behind the buffered bytes.</summary>
    public void Fill() => Filled(stream.Read(Room().Span));

    /// <inheritdoc cref="Fill"/>
    public async ValueTask FillAsync(CancellationToken ct) => Filled(await stream.ReadAsync(Room(), ct).ConfigureAwait(false));

    public void Dispose()
    {
        stream.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Room for a chunk, or for all the bytes last asked for when that is more (a large record).</summary>
    private Memory<byte> Room()
    {
        var need = Math.Clamp(_want, chunkSize, largestRecord);
        if (_buffer.Length < need)
        {
            var larger = ArrayPool<byte>.Shared.Rent(need);
            _buffer.AsSpan(_start, Buffered).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
            (_start, _end) = (0, Buffered);
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, Buffered).CopyTo(_buffer);
            (_start, _end) = (0, Buffered);
        }
        return _buffer.AsMemory(_end);
    }

    private void Filled(int n)
    {
        if (n == 0) Ended = true;
        else _end += n;
    }
}
