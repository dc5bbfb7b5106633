namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The bytes of one collection's records, appended into a few large segments instead of one array per record: the
/// garbage collector then tracks a handful of big arrays, not millions of small ones that each survive to gen2.
/// Bytes once written never move or change (a replaced or deleted record leaves its old bytes dead in place), so a
/// <see cref="ReadOnlyMemory{T}"/> handed out stays valid for as long as its holder keeps it. A segment whose records
/// are all dead is let go (capped collections free their oldest segments this way); dead bytes are not compacted.
/// </summary>
internal sealed class RecordSlabs
{
    // Small collections (most of the tests') stay small; big ones reach MaxSegmentBytes after a few segments.
    private const int FirstSegmentBytes = 16 * 1024;
    private const int MaxSegmentBytes = 4 * 1024 * 1024;

    private readonly List<byte[]?> _segments = new();
    private readonly List<int> _liveRecords = new();
    private int _current = -1; // the segment being filled
    private int _used; // bytes used in the current segment
    private int _nextSize = FirstSegmentBytes;

    /// <summary>Room for <paramref name="length"/> bytes, to be written by the caller before anyone reads them.</summary>
    public Span<byte> Reserve(int length, out int segment, out int offset)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), length, "a record has at least one byte");
        if (_current < 0 || _segments[_current]!.Length - _used < length)
        {
            if (length > _nextSize / 2)
            {
                // A record this large gets a segment of its own rather than wasting most of a shared one.
                segment = AddSegment(length);
                offset = 0;
                return _segments[segment].AsSpan(0, length);
            }
            StartNewCurrentSegment();
        }
        segment = _current;
        offset = _used;
        _used += length;
        _liveRecords[segment]++;
        return _segments[segment].AsSpan(offset, length);
    }

    public ReadOnlyMemory<byte> Memory(int segment, int offset, int length) =>
        new(_segments[segment] ?? throw new InvalidOperationException($"record segment {segment} was already released"), offset, length);

    /// <summary>One record in <paramref name="segment"/> died; the segment goes once none is left and it is no longer filled.</summary>
    public void Release(int segment)
    {
        if (--_liveRecords[segment] == 0 && segment != _current) _segments[segment] = null;
    }

    public void Clear()
    {
        _segments.Clear();
        _liveRecords.Clear();
        _current = -1;
        _used = 0;
        _nextSize = FirstSegmentBytes;
    }

    private void StartNewCurrentSegment()
    {
        var previous = _current;
        _current = AddSegment(_nextSize);
        _liveRecords[_current] = 0;
        _used = 0;
        _nextSize = Math.Min(MaxSegmentBytes, _nextSize * 2);
        if (previous >= 0 && _liveRecords[previous] == 0) _segments[previous] = null;
    }

    private int AddSegment(int size)
    {
        // Uninitialized: every byte handed out is written by the caller first.
        _segments.Add(GC.AllocateUninitializedArray<byte>(size));
        _liveRecords.Add(1);
        return _segments.Count - 1;
    }
}
