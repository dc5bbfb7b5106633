using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Refuses a cluster backup while chunks move. A running migration is a document in its donor shard's
/// config.migrationCoordinators (from the migration's start to its end, SERVER-62296; MongoDB 5.0 and later); one that
/// ran during the backup shows as a change of config.chunks (a chunk's shard and version), compared before and after.
/// </summary>
internal static class MigrationCheck
{
    /// <exception cref="MongoBackupException">ChunkMigrationRunning, naming the donor shard, the recipient and the namespace.</exception>
    public static async Task RefuseRunningAsync(ShardTarget shard, IMongoClient client, CancellationToken ct)
    {
        var coordinators = client.GetDatabase("config").GetCollection<BsonDocument>("migrationCoordinators");
        var running = await DriverErrors.Translate(async () =>
            await (await coordinators.FindAsync(FilterDefinition<BsonDocument>.Empty, new FindOptions<BsonDocument> { Limit = 1 }, ct)).FirstOrDefaultAsync(ct), client);
        if (running is null) return;
        var ns = running.GetValue("nss", "?").ToString();
        throw new MongoBackupException(ErrorIds.ChunkMigrationRunning,
            $"A chunk migration of {ns} is running on shard {shard.Name} (to {running.GetValue("recipientShardId", "?")}): the shards' copies would " +
            "not agree on where its documents are. Nothing was written; run the backup again once it has ended.", target: ns);
    }

    /// <summary>Each chunk's id, shard and version (config.chunks, read through mongos from the config server), in _id order.</summary>
    public static async Task<string> ChunkMapAsync(IMongoClient mongos, CancellationToken ct)
    {
        var chunks = mongos.GetDatabase("config").GetCollection<BsonDocument>("chunks");
        var options = new FindOptions<BsonDocument>
        {
            Sort = new BsonDocument("_id", 1),
            Projection = new BsonDocument { { "shard", 1 }, { "lastmod", 1 } },
        };
        var all = await DriverErrors.Translate(async () => await (await chunks.FindAsync(FilterDefinition<BsonDocument>.Empty, options, ct)).ToListAsync(ct), mongos);
        return new BsonArray(all).ToJson();
    }

    /// <exception cref="MongoBackupException">ChunkMigrationRunning when config.chunks changed since <paramref name="before"/>.</exception>
    public static async Task RefuseMovedAsync(IMongoClient mongos, string before, CancellationToken ct)
    {
        if (await ChunkMapAsync(mongos, ct) != before)
            throw new MongoBackupException(ErrorIds.ChunkMigrationRunning,
                "A chunk migration (or split) ran during the backup (config.chunks changed): the shards' copies may not agree on where its " +
                "documents are. Nothing was kept; run the backup again with the balancer stopped and no moveChunk running.");
    }
}
