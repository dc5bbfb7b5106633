using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Cursors;

/// <summary>
/// A walk of a collection in _id order through its _id index (how readers split a large collection into _id
/// ranges): documents come out as stored bytes, and a filter that names only _id is decided from the key alone,
/// without parsing the document. The order is a snapshot taken when the cursor opens; later writes to the
/// documents are seen, documents deleted since are skipped.
/// </summary>
internal sealed class IdOrderCursor : ServerCursor
{
    private readonly Collection _collection;
    private readonly List<(BsonValue Id, long RecordId)> _order;
    private readonly DocumentFilter? _filter;
    private readonly bool _filterOnIdOnly;
    private readonly Projection? _projection;
    private readonly bool _descending;
    private int _position;
    private long _toSkip;
    private long _remaining;
    private readonly Sessions.Transaction? _reader;

    /// <param name="minId">The find's min bound on _id (inclusive), compared in index order across all types, as MongoDB's min/max are.</param>
    /// <param name="maxId">The find's max bound on _id (exclusive).</param>
    /// <param name="reader">The transaction the find ran in, or null: what the cursor returns is what it sees.</param>
    public IdOrderCursor(Collection collection, BsonDocument filter, Projection? projection, bool descending, long skip, long limit,
        BsonValue? minId = null, BsonValue? maxId = null, Sessions.Transaction? reader = null)
        : base(collection.Namespace)
    {
        _collection = collection;
        _reader = reader;
        _order = VisibleRecords.IdOrder(collection, reader)
            .Where(e => (minId is null || collection.Order.Compare(e.Id, minId) >= 0)
                     && (maxId is null || collection.Order.Compare(e.Id, maxId) < 0))
            .ToList();
        // The walk is in the _id index's order, so the filter's collation is the collection's (the find routes others elsewhere).
        _filter = filter.ElementCount == 0 ? null : DocumentFilter.Parse(filter, collection.Order);
        _filterOnIdOnly = filter.Names.All(n => n == "_id");
        _projection = projection;
        _descending = descending;
        _toSkip = skip;
        _remaining = limit > 0 ? limit : long.MaxValue;
    }

    public override List<BsonDocument> NextBatch(int batchSize)
    {
        var batch = new List<BsonDocument>();
        var bytes = 0;
        while (_position < _order.Count && _remaining > 0 && (batchSize <= 0 || batch.Count < batchSize))
        {
            var (id, recordId) = _order[_descending ? _order.Count - 1 - _position : _position];
            var exists = VisibleRecords.TryGet(_collection, recordId, _reader, out var stored);
            if (exists && batch.Count > 0 && bytes + stored.Length > MaxBatchBytes) break;
            _position++;
            if (!exists) continue;
            BsonDocument? parsed = null;
            if (_filter != null)
            {
                var matches = _filterOnIdOnly ? _filter.Matches(new BsonDocument("_id", id)) : _filter.Matches(parsed = Collection.Parse(stored));
                if (!matches) continue;
            }
            if (_toSkip > 0)
            {
                _toSkip--;
                continue;
            }
            BsonDocument result = _projection == null ? new StoredBsonDocument(stored) : _projection.Apply(parsed ?? Collection.Parse(stored));
            batch.Add(result);
            bytes += stored.Length;
            _remaining--;
        }
        if (_position >= _order.Count || _remaining == 0) IsExhausted = true;
        return batch;
    }
}
