using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>Reads a replica set's oplog (local.oplog.rs): its newest and oldest entries, and ranges of it.</summary>
public sealed class OplogSource
{
    private readonly IMongoCollection<RawBsonDocument> _oplog;
    private readonly IMongoCollection<BsonDocument> _oplogDocuments;

    /// <summary>
    /// The oplog of the server <paramref name="client"/> reaches (local.oplog.rs; its read preference applies).
    /// </summary>
    public OplogSource(IMongoClient client)
    {
        var local = client.GetDatabase("local");
        _oplog = local.GetCollection<RawBsonDocument>("oplog.rs");
        _oplogDocuments = local.GetCollection<BsonDocument>("oplog.rs");
    }

    /// <summary>The newest entry's timestamp; null when the oplog is empty or missing.</summary>
    public async Task<OplogTimestamp?> NewestAsync(CancellationToken ct) => (await EdgeAsync(-1, ct))?.Timestamp;

    /// <summary>The newest entry's timestamp with its wall time to the millisecond (a snapshot's consistency point).</summary>
    public Task<ConsistencyPoint?> NewestPointAsync(CancellationToken ct) => EdgeAsync(-1, ct);

    /// <summary>The oldest entry still held; null when the oplog is empty or missing.</summary>
    public async Task<OplogTimestamp?> OldestAsync(CancellationToken ct) => (await EdgeAsync(1, ct))?.Timestamp;

    /// <summary>
    /// Whether the oplog rolled past <paramref name="last"/> (the last entry saved, or where a copy starts): when its
    /// oldest entry is newer, the writes after <paramref name="last"/> and before that entry are gone, and this is that
    /// span; null while the oplog still holds everything after <paramref name="last"/>.
    /// </summary>
    public async Task<OplogGap?> RolledPastAsync(OplogTimestamp last, CancellationToken ct) =>
        await OldestAsync(ct) is { } oldest && oldest > last ? new OplogGap(last, oldest) : null;

    /// <summary>The entry at exactly <paramref name="ts"/>, as its timestamp and wall time; null when the oplog does not hold one.</summary>
    public async Task<ConsistencyPoint?> EntryAtAsync(OplogTimestamp ts, CancellationToken ct)
    {
        var options = new FindOptions<BsonDocument> { Limit = 1, Projection = new BsonDocument { { "ts", 1 }, { "wall", 1 } } };
        using var cursor = await _oplogDocuments.FindAsync(new BsonDocument("ts", ts.ToBsonTimestamp()), options, ct);
        var entry = await cursor.FirstOrDefaultAsync(ct);
        return entry is null ? null : ConsistencyPoint.OfEntry(entry);
    }

    /// <summary>
    /// The SHA-256 of the entry at exactly <paramref name="ts"/>, its bytes as the oplog holds them (<see cref="RawDocumentBytes.Sha256"/>);
    /// null when the oplog holds none.
    /// </summary>
    public async Task<byte[]?> EntryHashAtAsync(OplogTimestamp ts, CancellationToken ct)
    {
        using var cursor = await _oplog.FindAsync(new BsonDocument("ts", ts.ToBsonTimestamp()), new FindOptions<RawBsonDocument> { Limit = 1 }, ct);
        using var entry = await cursor.FirstOrDefaultAsync(ct);
        return entry is null ? null : RawDocumentBytes.Sha256(entry);
    }

    /// <summary>The newest entry at or before <paramref name="ts"/>, with its wall time; null when the oplog holds none.</summary>
    public Task<ConsistencyPoint?> NewestAtOrBeforeAsync(OplogTimestamp ts, CancellationToken ct) =>
        EdgeAsync(-1, ct, new BsonDocument("ts", new BsonDocument("$lte", ts.ToBsonTimestamp())));

    private async Task<ConsistencyPoint?> EdgeAsync(int direction, CancellationToken ct, BsonDocument? filter = null)
    {
        var options = new FindOptions<BsonDocument>
        {
            Sort = new BsonDocument("$natural", direction),
            Limit = 1,
            Projection = new BsonDocument { { "ts", 1 }, { "wall", 1 } },
        };
        using var cursor = await _oplogDocuments.FindAsync(filter ?? new BsonDocument(), options, ct);
        var entry = await cursor.FirstOrDefaultAsync(ct);
        return entry is null ? null : ConsistencyPoint.OfEntry(entry);
    }

    /// <summary>
    /// The entries after <paramref name="after"/> up to and including <paramref name="upTo"/>, in oplog order,
    /// as raw BSON. The caller disposes each document.
    /// </summary>
    public IAsyncEnumerable<RawBsonDocument> ReadRangeAsync(OplogTimestamp after, OplogTimestamp upTo, CancellationToken ct) =>
        ReadRangeAsync(OplogPosition.After(after), upTo, ct);

    /// <summary>
    /// The entries from <paramref name="from"/> up to and including <paramref name="upTo"/>, in oplog order, as raw BSON; the caller disposes each.
    /// </summary>
    public async IAsyncEnumerable<RawBsonDocument> ReadRangeAsync(
        OplogPosition from, OplogTimestamp upTo, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var filter = new BsonDocument("ts", new BsonDocument { { from.Operator, from.Timestamp.ToBsonTimestamp() }, { "$lte", upTo.ToBsonTimestamp() } });
        var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("$natural", 1), BatchSize = 10_000 };
        using var cursor = await _oplog.FindAsync(filter, options, ct);
        while (await cursor.MoveNextAsync(ct))
            foreach (var entry in cursor.Current)
                yield return entry;
    }
}
