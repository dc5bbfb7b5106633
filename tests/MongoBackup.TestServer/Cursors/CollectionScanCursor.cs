using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Cursors;

/// <summary>
/// A $natural-order scan of a collection that resumes after the last record id it returned, so it sees inserts made
/// after it started and survives deletes. Without filter and projection it hands the stored bytes out unparsed.
/// Tailable scans never exhaust on their own: the next getMore continues after the last id.
/// </summary>
internal sealed class CollectionScanCursor : ServerCursor
{
    private readonly Collection _collection;
    private readonly DocumentFilter? _filter;
    private readonly Projection? _projection;
    private readonly bool _forward;
    private long _lastId;
    private bool _returnedAny; // only a position this cursor reached can be lost, not a scan's starting point
    private long _toSkip;
    private long _remaining;
    private readonly Sessions.Transaction? _reader;

    /// <param name="reader">The transaction the find ran in, or null: what the cursor returns is what it sees.</param>
    public CollectionScanCursor(Collection collection, DocumentFilter? filter, Projection? projection, bool forward, long skip, long limit,
        long startAfterId = 0, Sessions.Transaction? reader = null)
        : base(collection.Namespace)
    {
        _collection = collection;
        _reader = reader;
        _filter = filter;
        _projection = projection;
        _forward = forward;
        _lastId = forward ? startAfterId : long.MaxValue;
        _toSkip = skip;
        _remaining = limit > 0 ? limit : long.MaxValue;
    }

    /// <summary>What the filter is given of each record (by default the whole parsed document).</summary>
    public FilterInput FilterInput { get; init; } = FilterInput.WholeDocument;

    public override List<BsonDocument> NextBatch(int batchSize)
    {
        ThrowIfPositionLost();
        var batch = new List<BsonDocument>();
        var bytes = 0;
        var ranOut = true;
        foreach (var (id, stored) in VisibleRecords.Scan(_collection, _lastId, _forward, _reader))
        {
            if (batchSize > 0 && batch.Count >= batchSize || _remaining == 0 || batch.Count > 0 && bytes + stored.Length > MaxBatchBytes)
            {
                ranOut = false;
                break;
            }
            _lastId = id;
            _returnedAny = true;
            BsonDocument result;
            if (_filter == null && _projection == null)
            {
                if (_toSkip > 0) { _toSkip--; continue; }
                result = new StoredBsonDocument(stored);
            }
            else
            {
                if (_filter != null && !_filter.Matches(FilterInput.Read(stored))) continue;
                if (_toSkip > 0) { _toSkip--; continue; }
                result = _projection == null ? new StoredBsonDocument(stored) : _projection.Apply(Collection.Parse(stored));
            }
            batch.Add(result);
            bytes += result is RawBsonDocument ? stored.Length : SizeOf(result);
            _remaining--;
        }
        if (_remaining == 0 || ranOut && !IsTailable) IsExhausted = true;
        return batch;
    }

    /// <summary>A capped collection may drop the record this cursor stopped at; MongoDB then kills the cursor.</summary>
    private void ThrowIfPositionLost()
    {
        if (!_collection.IsCapped || !_forward || !_returnedAny || _collection.Records.Contains(_lastId)) return;
        var first = _collection.Records.FirstId();
        if (first != null && first < _lastId) return;
        IsExhausted = true;
        throw new CommandFailure(136, "CappedPositionLost",
            $"CollectionScan died due to position in capped collection {_collection.Namespace} being deleted");
    }
}
