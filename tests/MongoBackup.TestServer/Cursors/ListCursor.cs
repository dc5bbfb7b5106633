using MongoDB.Bson;

namespace MongoBackup.TestServer.Cursors;

/// <summary>A cursor over results computed up front (sorted finds, aggregations, catalog listings).</summary>
internal sealed class ListCursor : ServerCursor
{
    private readonly IEnumerator<BsonDocument> _results;
    private BsonDocument? _pending;

    public ListCursor(string ns, IEnumerable<BsonDocument> results) : base(ns) => _results = results.GetEnumerator();

    public override List<BsonDocument> NextBatch(int batchSize)
    {
        var batch = new List<BsonDocument>();
        var bytes = 0;
        while (batchSize <= 0 || batch.Count < batchSize)
        {
            var next = _pending;
            _pending = null;
            if (next == null)
            {
                if (!_results.MoveNext())
                {
                    IsExhausted = true;
                    break;
                }
                next = _results.Current;
            }
            var size = SizeOf(next);
            if (batch.Count > 0 && bytes + size > MaxBatchBytes)
            {
                _pending = next;
                break;
            }
            batch.Add(next);
            bytes += size;
        }
        return batch;
    }
}
