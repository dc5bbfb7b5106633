using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>Reads a replica set's oplog (local.oplog.rs): its newest and oldest entries, and ranges of it.</summary>
public sealed class OplogSource
{
    private readonly IMongoCollection<RawBsonDocument> _oplog;
    private readonly IMongoCollection<BsonDocument> _oplogDocuments;

    public OplogSource(IMongoClient client)
    {
        var local = client.GetDatabase("local");
        _oplog = local.GetCollection<RawBsonDocument>("oplog.rs");
        _oplogDocuments = local.GetCollection<BsonDocument>("oplog.rs");
    }

    public Task<OplogTimestamp?> NewestAsync(CancellationToken ct) => EdgeAsync(-1, ct);

    public Task<OplogTimestamp?> OldestAsync(CancellationToken ct) => EdgeAsync(1, ct);

    private async Task<OplogTimestamp?> EdgeAsync(int direction, CancellationToken ct)
    {
        var options = new FindOptions<BsonDocument>
        {
            Sort = new BsonDocument("$natural", direction),
            Limit = 1,
            Projection = new BsonDocument("ts", 1),
        };
        using var cursor = await _oplogDocuments.FindAsync(FilterDefinition<BsonDocument>.Empty, options, ct);
        var entry = await cursor.FirstOrDefaultAsync(ct);
        return entry is null ? null : OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
    }

    /// <summary>
    /// The entries after <paramref name="after"/> up to and including <paramref name="upTo"/>, in oplog order,
    /// as raw BSON. The caller disposes each document.
    /// </summary>
    public async IAsyncEnumerable<RawBsonDocument> ReadRangeAsync(
        OplogTimestamp after, OplogTimestamp upTo, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var filter = new BsonDocument("ts", new BsonDocument { { "$gt", after.ToBsonTimestamp() }, { "$lte", upTo.ToBsonTimestamp() } });
        var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("$natural", 1), BatchSize = 10_000 };
        using var cursor = await _oplog.FindAsync(filter, options, ct);
        while (await cursor.MoveNextAsync(ct))
            foreach (var entry in cursor.Current)
                yield return entry;
    }
}
