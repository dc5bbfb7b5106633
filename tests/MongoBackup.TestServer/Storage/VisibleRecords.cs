using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Sessions;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A collection's records as one reader sees them: a transaction (its own writes included) or a reader outside
/// transactions (null), to whom records open transactions wrote show as last committed (see <see cref="UncommittedWrites"/>).
/// With no transaction writing the collection these are the stored records, read as fast as before.
/// </summary>
internal static class VisibleRecords
{
    /// <summary>The records after (before, backwards) <paramref name="afterId"/>, in record id order.</summary>
    public static IEnumerable<(long Id, ReadOnlyMemory<byte> Bytes)> Scan(Collection collection, long afterId, bool forward, Transaction? reader)
    {
        if (collection.Uncommitted.IsEmpty) return collection.Records.Scan(afterId, forward);
        return ScanPending(collection, afterId, forward, reader);
    }

    private static IEnumerable<(long Id, ReadOnlyMemory<byte> Bytes)> ScanPending(Collection collection, long afterId, bool forward, Transaction? reader)
    {
        var pending = collection.Uncommitted;
        // Committed records others deleted are no longer stored: merged back in at their record ids.
        var deleted = pending.DeletedByOthers(reader).Where(d => forward ? d.RecordId > afterId : d.RecordId < afterId).ToList();
        deleted.Sort((a, b) => forward ? a.RecordId.CompareTo(b.RecordId) : b.RecordId.CompareTo(a.RecordId));
        var next = 0;
        foreach (var (id, stored) in collection.Records.Scan(afterId, forward))
        {
            while (next < deleted.Count && (forward ? deleted[next].RecordId < id : deleted[next].RecordId > id)) yield return deleted[next++];
            if (pending.TryRead(id, reader, stored, isStored: true, out var visible)) yield return (id, visible);
        }
        while (next < deleted.Count) yield return deleted[next++];
    }

    /// <summary>The record as the reader sees it; false when it sees none.</summary>
    public static bool TryGet(Collection collection, long recordId, Transaction? reader, out ReadOnlyMemory<byte> bytes)
    {
        var stored = collection.Records.TryGet(recordId, out var current);
        if (collection.Uncommitted.IsEmpty)
        {
            bytes = current;
            return stored;
        }
        return collection.Uncommitted.TryRead(recordId, reader, current, stored, out bytes);
    }

    public static IEnumerable<BsonDocument> Documents(Collection collection, Transaction? reader)
    {
        foreach (var (_, bytes) in Scan(collection, 0, true, reader)) yield return Collection.Parse(bytes);
    }

    /// <summary>How many records the reader sees.</summary>
    public static long Count(Collection collection, Transaction? reader) =>
        collection.Uncommitted.IsEmpty ? collection.Records.Count : Scan(collection, 0, true, reader).LongCount();

    /// <summary>(_id, record id) pairs in _id order, with the committed records others deleted; read each with <see cref="TryGet"/>.</summary>
    public static List<(BsonValue Id, long RecordId)> IdOrder(Collection collection, Transaction? reader)
    {
        if (collection.Uncommitted.IsEmpty) return collection.IdOrder();
        var pairs = collection.IdOrder().ToList();
        pairs.AddRange(collection.Uncommitted.DeletedByOthers(reader).Select(d => (new StoredBsonDocument(d.Bytes)["_id"], d.RecordId)));
        pairs.Sort((a, b) => collection.Order.Compare(a.Id, b.Id));
        return pairs;
    }

    /// <summary>The record of this _id the reader sees (a committed one another transaction deleted included).</summary>
    public static long? FindById(Collection collection, BsonValue id, Transaction? reader)
    {
        var found = collection.FindById(id);
        if (collection.Uncommitted.IsEmpty) return found;
        if (found is { } recordId && TryGet(collection, recordId, reader, out _)) return recordId;
        foreach (var (deletedId, bytes) in collection.Uncommitted.DeletedByOthers(reader))
            if (collection.Order.Equals(new StoredBsonDocument(bytes).GetValue("_id", BsonNull.Value), id)) return deletedId;
        return null;
    }
}
