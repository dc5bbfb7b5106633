namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Documents as raw BSON in insertion ($natural) order under monotonic record ids, like WiredTiger
/// RecordIds: a cursor resumes after the last id it returned while others insert and delete.
/// Deleted slots become tombstones and are compacted away once they outnumber the live ones. A slot holds either the
/// document's bytes or a <see cref="DeferredRecord"/> that builds them when read.
/// </summary>
internal sealed class RecordStore
{
    private readonly List<long> _ids = new();
    private readonly List<object?> _docs = new(); // byte[] or DeferredRecord; null for a deleted slot
    private int _head; // first slot that may be live: capped collections delete from the front
    private long _nextId = 1;
    private int _dead;

    public int Count { get; private set; }
    public long TotalBytes { get; private set; }

    public long Append(byte[] document) => AppendSlot(document, document.Length);

    public long Append(DeferredRecord document) => AppendSlot(document, document.Length);

    private long AppendSlot(object document, int length)
    {
        var id = _nextId++;
        _ids.Add(id);
        _docs.Add(document);
        Count++;
        TotalBytes += length;
        return id;
    }

    private static byte[] BytesOf(object slot) => slot as byte[] ?? ((DeferredRecord)slot).Materialize();

    private static int LengthOf(object slot) => slot is byte[] bytes ? bytes.Length : ((DeferredRecord)slot).Length;

    /// <summary>
    /// Up to <paramref name="count"/> distinct live records picked at random, without reading the others: what
    /// WiredTiger's random cursor gives $sample when the sample is a small part of the collection.
    /// </summary>
    public List<byte[]> Sample(int count, Random random)
    {
        var picked = new HashSet<int>();
        var result = new List<byte[]>();
        var live = _docs.Count - _head;
        for (var tries = 0; result.Count < count && live > 0 && tries < count * 20; tries++)
        {
            var slot = _head + random.Next(live);
            if (_docs[slot] is { } document && picked.Add(slot)) result.Add(BytesOf(document));
        }
        return result;
    }

    /// <summary>Puts back a removed record under its old id (undo of a delete in an aborted transaction).</summary>
    public void Restore(long id, byte[] document)
    {
        var slot = _ids.BinarySearch(id);
        if (slot >= 0)
        {
            if (_docs[slot] != null) throw new InvalidOperationException($"record {id} still exists");
            _docs[slot] = document;
            _dead--;
        }
        else
        {
            slot = ~slot;
            _ids.Insert(slot, id);
            _docs.Insert(slot, document);
        }
        if (slot < _head) _head = slot;
        Count++;
        TotalBytes += document.Length;
    }

    public byte[]? Get(long id)
    {
        var slot = SlotOf(id);
        return slot < 0 || _docs[slot] is not { } document ? null : BytesOf(document);
    }

    public void Replace(long id, byte[] document)
    {
        var slot = SlotOf(id);
        if (slot < 0 || _docs[slot] == null) throw new InvalidOperationException($"record {id} does not exist");
        TotalBytes += document.Length - LengthOf(_docs[slot]!);
        _docs[slot] = document;
    }

    public void Remove(long id)
    {
        var slot = SlotOf(id);
        if (slot < 0 || _docs[slot] == null) return;
        TotalBytes -= LengthOf(_docs[slot]!);
        _docs[slot] = null;
        Count--;
        _dead++;
        while (_head < _docs.Count && _docs[_head] == null) _head++;
        if (_dead > 1024 && _dead > Count) Compact();
    }

    /// <summary>The oldest live record, for capped collections that drop from the front.</summary>
    public long? FirstId()
    {
        for (var i = _head; i < _docs.Count; i++)
            if (_docs[i] != null) return _ids[i];
        return null;
    }

    /// <summary>Live records strictly after <paramref name="afterId"/> (forward) or strictly before it (backward).</summary>
    public IEnumerable<(long Id, byte[] Bytes)> Scan(long afterId, bool forward)
    {
        if (forward)
        {
            var slot = FirstSlotAfter(afterId);
            // Re-locate by id after every yield: a compaction may move slots while the caller pauses.
            while (true)
            {
                var count = _docs.Count;
                while (slot < count && _docs[slot] == null) slot++;
                if (slot >= count) yield break;
                var id = _ids[slot];
                yield return (id, BytesOf(_docs[slot]!));
                slot = FirstSlotAfter(id);
            }
        }
        else
        {
            var slot = LastSlotBefore(afterId);
            while (true)
            {
                while (slot >= _head && slot >= 0 && _docs[slot] == null) slot--;
                if (slot < 0 || slot < _head) yield break;
                var id = _ids[slot];
                yield return (id, BytesOf(_docs[slot]!));
                slot = LastSlotBefore(id);
            }
        }
    }

    /// <summary>
    /// For records ordered by some key (the oplog by ts): the id just before the first live record for which
    /// <paramref name="reached"/> is true, found by binary search; a forward scan after it skips everything older.
    /// </summary>
    public long IdBeforeFirst(Func<byte[], bool> reached)
    {
        int low = _head, high = _docs.Count;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            var probe = mid;
            while (probe < high && _docs[probe] == null) probe++;
            if (probe == high)
            {
                high = mid;
                continue;
            }
            if (reached(BytesOf(_docs[probe]!))) high = mid;
            else low = probe + 1;
        }
        // Before the oldest live record: scan from the start (an id already dropped would read as a lost position).
        return low <= _head ? 0 : _ids[low - 1];
    }

    public void Clear()
    {
        _ids.Clear();
        _docs.Clear();
        _head = 0;
        _dead = 0;
        Count = 0;
        TotalBytes = 0;
    }

    private int SlotOf(long id)
    {
        var slot = _ids.BinarySearch(id);
        return slot < 0 ? -1 : slot;
    }

    private int FirstSlotAfter(long id)
    {
        var slot = _ids.BinarySearch(id);
        return slot >= 0 ? slot + 1 : ~slot;
    }

    private int LastSlotBefore(long id)
    {
        var slot = _ids.BinarySearch(id);
        return slot >= 0 ? slot - 1 : ~slot - 1;
    }

    private void Compact()
    {
        var write = 0;
        for (var read = 0; read < _docs.Count; read++)
        {
            if (_docs[read] == null) continue;
            _ids[write] = _ids[read];
            _docs[write] = _docs[read];
            write++;
        }
        _ids.RemoveRange(write, _ids.Count - write);
        _docs.RemoveRange(write, _docs.Count - write);
        _head = 0;
        _dead = 0;
    }
}
