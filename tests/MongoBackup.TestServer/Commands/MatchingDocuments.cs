using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Selects the documents a write targets (update, delete, an applied oplog entry), as the writer sees them (a
/// transaction, or null outside one: see <see cref="VisibleRecords"/>): by the _id index when the filter is a plain
/// {_id: value} in the _id index's collation, else by a $natural scan. Filters compare under the write's collation:
/// its own, else the collection's default (an applied oplog entry names none, so its _id matches as the _id index
/// does: mongod's oplog application looks documents up through that index). Results are collected before any write.
/// </summary>
internal static class MatchingDocuments
{
    public static List<(long RecordId, BsonDocument Document)> Select(Collection collection, BsonDocument filter, int limit,
        Sessions.Transaction? reader = null, BsonValueOrder? collation = null)
    {
        var matches = new List<(long, BsonDocument)>();
        collation ??= collection.Order;
        // mongod takes the _id index (IDHACK) only when the query's collation is the index's (CollatorInterface::collatorsMatch).
        if (ReferenceEquals(collation, collection.Order) && TryIdEquality(filter, out var id))
        {
            var recordId = VisibleRecords.FindById(collection, id, reader);
            if (recordId != null && VisibleRecords.TryGet(collection, recordId.Value, reader, out var bytes))
            {
                var document = Collection.Parse(bytes);
                if (DocumentFilter.Parse(filter, collation).Matches(document)) matches.Add((recordId.Value, document));
            }
            return matches;
        }
        var parsed = DocumentFilter.Parse(filter, collation);
        foreach (var (recordId, bytes) in VisibleRecords.Scan(collection, 0, true, reader))
        {
            var document = Collection.Parse(bytes);
            if (!parsed.Matches(document)) continue;
            matches.Add((recordId, document));
            if (limit > 0 && matches.Count >= limit) break;
        }
        return matches;
    }

    /// <summary>True for {_id: v} where v is a plain value (not an operator document or regex).</summary>
    public static bool TryIdEquality(BsonDocument filter, out BsonValue id)
    {
        id = BsonNull.Value;
        if (filter.ElementCount != 1 || filter.GetElement(0).Name != "_id") return false;
        var value = filter[0];
        if (value is BsonDocument d && d.ElementCount > 0 && d.GetElement(0).Name.StartsWith('$')) return false;
        if (value is BsonRegularExpression or BsonArray) return false;
        id = value;
        return true;
    }
}
