using MongoBackup.TestServer.Sessions;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The records of one collection that transactions still in progress have written. A transaction's writes are made in
/// place (so the transaction reads them back, and its unique keys hold); every other reader sees each such record as
/// it was last committed: a record the transaction inserted is not there, one it changed or deleted shows its
/// committed bytes, kept here. That is what MongoDB's snapshot isolation shows a reader outside the transaction
/// (https://www.mongodb.com/docs/manual/core/transactions/: "Until a transaction commits, the data changes made in the
/// transaction are not visible outside the transaction"). The first transaction to write a record owns it until it
/// commits or aborts; a write to it by anyone else is a write conflict (see <see cref="WriteConflict"/>).
/// Empty while no transaction writes the collection, which keeps every read and plain write on its fast path.
/// </summary>
internal sealed class UncommittedWrites
{
    private readonly Dictionary<long, Pending> _byRecord = new();

    /// <summary>A record a transaction wrote: its owner, the committed bytes before (null when it inserted it), and whether it deleted it.</summary>
    private sealed record Pending(Transaction Owner, byte[]? Committed)
    {
        public bool Deleted { get; set; }
    }

    public bool IsEmpty => _byRecord.Count == 0;

    /// <summary>The transaction that owns the record, or null when no open transaction wrote it.</summary>
    public Transaction? OwnerOf(long recordId) => _byRecord.TryGetValue(recordId, out var pending) ? pending.Owner : null;

    /// <summary>
    /// Notes a write of <paramref name="owner"/> to a record; <paramref name="committed"/> is the record as it was before
    /// (null for an insert), kept from the transaction's first write to it.
    /// </summary>
    public void Wrote(long recordId, Transaction owner, ReadOnlyMemory<byte>? committed)
    {
        if (!_byRecord.ContainsKey(recordId)) _byRecord[recordId] = new Pending(owner, committed?.ToArray());
    }

    /// <summary>Notes that the owner deleted the record (after <see cref="Wrote"/>); one it inserted itself is simply gone.</summary>
    public void Deleted(long recordId)
    {
        var pending = _byRecord[recordId];
        if (pending.Committed == null) _byRecord.Remove(recordId);
        else pending.Deleted = true;
    }

    /// <summary>Forgets the owner's records: it committed, aborted, or was prepared (which takes its writes back until the commit).</summary>
    public void Release(Transaction owner)
    {
        foreach (var recordId in _byRecord.Where(p => ReferenceEquals(p.Value.Owner, owner)).Select(p => p.Key).ToList())
            _byRecord.Remove(recordId);
    }

    /// <summary>
    /// What <paramref name="reader"/> (a transaction, or null) sees of a record whose stored bytes are
    /// <paramref name="stored"/> (default when the record is not stored); false when it sees nothing.
    /// </summary>
    public bool TryRead(long recordId, Transaction? reader, ReadOnlyMemory<byte> stored, bool isStored, out ReadOnlyMemory<byte> visible)
    {
        if (!_byRecord.TryGetValue(recordId, out var pending) || ReferenceEquals(pending.Owner, reader))
        {
            visible = stored;
            return isStored;
        }
        visible = pending.Committed;
        return pending.Committed != null;
    }

    /// <summary>The committed records others' transactions deleted, which <paramref name="reader"/> still sees, by record id.</summary>
    public IEnumerable<(long RecordId, ReadOnlyMemory<byte> Bytes)> DeletedByOthers(Transaction? reader) =>
        _byRecord.Where(p => p.Value.Deleted && !ReferenceEquals(p.Value.Owner, reader))
            .Select(p => (p.Key, (ReadOnlyMemory<byte>)p.Value.Committed!));

    /// <summary>The open transaction that deleted a committed record with this _id, if one did.</summary>
    public Transaction? DeleterOf(Func<ReadOnlyMemory<byte>, bool> hasId) =>
        _byRecord.Values.FirstOrDefault(p => p.Deleted && hasId(p.Committed!))?.Owner;
}
