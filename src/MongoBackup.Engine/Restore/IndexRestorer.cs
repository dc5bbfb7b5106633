using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Builds a namespace's secondary indexes once its data is in (faster than maintaining them during the inserts, and
/// after any oplog replay, which an index could refuse part of: see Oplog.Replay.DeferredIndexes), from the specs as
/// they were dumped or logged, so that every option survives.
/// </summary>
public sealed class IndexRestorer(IMongoClient client)
{
    /// <summary>Creates <paramref name="specs"/> on the target collection in one createIndexes; returns how many.</summary>
    public async Task<int> CreateAsync(string database, string collection, IReadOnlyList<BsonDocument> specs, CancellationToken ct)
    {
        if (specs.Count == 0) return 0;
        var command = new BsonDocument { { "createIndexes", collection }, { "indexes", new BsonArray(specs) } };
        await client.GetDatabase(database).RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
        return specs.Count;
    }
}
