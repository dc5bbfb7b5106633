using System.Runtime.InteropServices;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Documents as raw BSON in insertion ($natural) order under monotonic record ids, like WiredTiger
/// RecordIds: a cursor resumes after the last id it returned while others insert and delete.
/// The bytes live in <see cref="RecordSlabs"/>, or, for a document that arrived inside a large immutable array (an insert
/// batch), stay in that array; a slot only says where. Reads hand out those bytes without copying.
/// Deleted slots become tombstones and are compacted away once they outnumber the live ones. A slot may also be a
/// template around other records' bytes kept by reference (an oplog entry and the documents it inserted, see
/// <see cref="SplicedDocument"/>), assembled when read, so each inserted document is stored once.
/// </summary>
internal sealed class RecordStore
{
    private readonly RecordSlabs _slabs = new();
    private readonly List<long> _ids = new();
    private readonly List<Slot> _slots = new();
    private int _head; // first slot that may be live: capped collections delete from the front
    private long _nextId = 1;
    private int _dead;

    public int Count { get; private set; }
    public long TotalBytes { get; private set; }

    /// <summary>Arrays at least this large are referenced rather than copied: each is one object however many records it holds.</summary>
    public const int SharedArrayMinBytes = 64 * 1024;

    public long Append(ReadOnlySpan<byte> document) => AppendSlot(Store(document));

    /// <summary>
    /// Appends bytes the caller guarantees never change. Those inside a large array (a whole insert batch) are kept where
    /// they are, so the batch array lives as long as any of its records; others are copied into the slabs.
    /// </summary>
    public long AppendImmutable(ReadOnlyMemory<byte> document) =>
        MemoryMarshal.TryGetArray(document, out var segment) && segment.Array!.Length >= SharedArrayMinBytes
            ? AppendSlot(new Slot(document, NotInSlabs, null))
            : Append(document.Span);

    /// <summary>
    /// Appends a record whose bytes are <paramref name="template"/> with <paramref name="documents"/> (in offset order,
    /// bytes that never change) in their places; only the template is copied.
    /// </summary>
    public long AppendSpliced(ReadOnlySpan<byte> template, SplicedDocument[] documents)
    {
        var stored = Store(template);
        return AppendSlot(new Slot(stored.Stored, stored.Segment, documents));
    }

    private long AppendSlot(Slot slot)
    {
        var id = _nextId++;
        _ids.Add(id);
        _slots.Add(slot);
        Count++;
        TotalBytes += slot.Length;
        return id;
    }

    private Slot Store(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_slabs.Reserve(bytes.Length, out var segment, out var offset));
        return new Slot(_slabs.Memory(segment, offset, bytes.Length), segment, null);
    }

    /// <summary>The record's bytes: a view of the slab, or for a spliced slot, a fresh array (readers may keep either).</summary>
    private static ReadOnlyMemory<byte> BytesOf(Slot slot) =>
        slot.Spliced is null ? slot.Stored : SplicedDocument.Assemble(slot.Stored.Span, slot.Spliced);

    private void Kill(int index)
    {
        var slot = _slots[index];
        if (slot.Segment != NotInSlabs) _slabs.Release(slot.Segment);
        TotalBytes -= slot.Length;
        _slots[index] = Slot.Dead;
    }

    /// <summary>
    /// Up to <paramref name="count"/> distinct live records picked at random, without reading the others: what
    /// WiredTiger's random cursor gives $sample when the sample is a small part of the collection.
    /// </summary>
    public List<ReadOnlyMemory<byte>> Sample(int count, Random random)
    {
        var picked = new HashSet<int>();
        var result = new List<ReadOnlyMemory<byte>>();
        var live = _slots.Count - _head;
        for (var tries = 0; result.Count < count && live > 0 && tries < count * 20; tries++)
        {
            var index = _head + random.Next(live);
            if (_slots[index].IsLive && picked.Add(index)) result.Add(BytesOf(_slots[index]));
        }
        return result;
    }

    /// <summary>Puts back a removed record under its old id (undo of a delete in an aborted transaction).</summary>
    public void Restore(long id, ReadOnlySpan<byte> document)
    {
        var index = _ids.BinarySearch(id);
        if (index >= 0 && _slots[index].IsLive) throw new InvalidOperationException($"record {id} still exists");
        var slot = Store(document);
        if (index >= 0)
        {
            _slots[index] = slot;
            _dead--;
        }
        else
        {
            index = ~index;
            _ids.Insert(index, id);
            _slots.Insert(index, slot);
        }
        if (index < _head) _head = index;
        Count++;
        TotalBytes += slot.Length;
    }

    public bool Contains(long id) => IndexOf(id) >= 0;

    public bool TryGet(long id, out ReadOnlyMemory<byte> document)
    {
        var index = IndexOf(id);
        document = index < 0 ? default : BytesOf(_slots[index]);
        return index >= 0;
    }

    /// <summary>The bytes of a record the caller knows exists (found through an index).</summary>
    public ReadOnlyMemory<byte> Get(long id) =>
        TryGet(id, out var document) ? document : throw new InvalidOperationException($"record {id} does not exist");

    public void Replace(long id, ReadOnlySpan<byte> document)
    {
        var index = IndexOf(id);
        if (index < 0) throw new InvalidOperationException($"record {id} does not exist");
        Kill(index);
        var slot = Store(document);
        _slots[index] = slot;
        TotalBytes += slot.Length;
    }

    public void Remove(long id)
    {
        var index = IndexOf(id);
        if (index < 0) return;
        Kill(index);
        Count--;
        _dead++;
        while (_head < _slots.Count && !_slots[_head].IsLive) _head++;
        if (_dead > 1024 && _dead > Count) Compact();
    }

    /// <summary>The oldest live record, for capped collections that drop from the front.</summary>
    public long? FirstId()
    {
        for (var i = _head; i < _slots.Count; i++)
            if (_slots[i].IsLive) return _ids[i];
        return null;
    }

    /// <summary>Live records strictly after <paramref name="afterId"/> (forward) or strictly before it (backward).</summary>
    public IEnumerable<(long Id, ReadOnlyMemory<byte> Bytes)> Scan(long afterId, bool forward)
    {
        if (forward)
        {
            var index = FirstIndexAfter(afterId);
            // Re-locate by id after every yield: a compaction may move slots while the caller pauses.
            while (true)
            {
                var count = _slots.Count;
                while (index < count && !_slots[index].IsLive) index++;
                if (index >= count) yield break;
                var id = _ids[index];
                yield return (id, BytesOf(_slots[index]));
                index = FirstIndexAfter(id);
            }
        }
        else
        {
            var index = LastIndexBefore(afterId);
            while (true)
            {
                while (index >= _head && index >= 0 && !_slots[index].IsLive) index--;
                if (index < 0 || index < _head) yield break;
                var id = _ids[index];
                yield return (id, BytesOf(_slots[index]));
                index = LastIndexBefore(id);
            }
        }
    }

    /// <summary>
    /// For records ordered by some key (the oplog by ts): the id just before the first live record for which
    /// <paramref name="reached"/> is true, found by binary search; a forward scan after it skips everything older.
    /// </summary>
    public long IdBeforeFirst(Func<ReadOnlyMemory<byte>, bool> reached)
    {
        int low = _head, high = _slots.Count;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            var probe = mid;
            while (probe < high && !_slots[probe].IsLive) probe++;
            if (probe == high)
            {
                high = mid;
                continue;
            }
            if (reached(BytesOf(_slots[probe]))) high = mid;
            else low = probe + 1;
        }
        // Before the oldest live record: scan from the start (an id already dropped would read as a lost position).
        return low <= _head ? 0 : _ids[low - 1];
    }

    public void Clear()
    {
        _slabs.Clear();
        _ids.Clear();
        _slots.Clear();
        _head = 0;
        _dead = 0;
        Count = 0;
        TotalBytes = 0;
    }

    /// <summary>The index of a live record's slot, or -1.</summary>
    private int IndexOf(long id)
    {
        var index = _ids.BinarySearch(id);
        return index >= 0 && _slots[index].IsLive ? index : -1;
    }

    private int FirstIndexAfter(long id)
    {
        var index = _ids.BinarySearch(id);
        return index >= 0 ? index + 1 : ~index;
    }

    private int LastIndexBefore(long id)
    {
        var index = _ids.BinarySearch(id);
        return index >= 0 ? index - 1 : ~index - 1;
    }

    private void Compact()
    {
        var write = 0;
        for (var read = 0; read < _slots.Count; read++)
        {
            if (!_slots[read].IsLive) continue;
            _ids[write] = _ids[read];
            _slots[write] = _slots[read];
            write++;
        }
        _ids.RemoveRange(write, _ids.Count - write);
        _slots.RemoveRange(write, _slots.Count - write);
        _head = 0;
        _dead = 0;
    }

    private const int NotInSlabs = -1;

    /// <summary>
    /// Where a record's bytes are: <see cref="Stored"/> (in slab <see cref="Segment"/>, or in a shared array), which with
    /// <see cref="Spliced"/> documents is the template around them.
    /// </summary>
    private readonly struct Slot
    {
        public static readonly Slot Dead = default; // empty Stored: every BSON document has at least 5 bytes

        public Slot(ReadOnlyMemory<byte> stored, int segment, SplicedDocument[]? spliced)
        {
            Stored = stored;
            Segment = segment;
            Spliced = spliced;
        }

        public ReadOnlyMemory<byte> Stored { get; }
        public int Segment { get; }
        public SplicedDocument[]? Spliced { get; }

        public bool IsLive => !Stored.IsEmpty;
        public int Length => Spliced is null ? Stored.Length : Stored.Length + SplicedDocument.TotalLength(Spliced);
    }
}
