using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The sharding commands a restore into a sharded cluster sends to its mongos, in the forms MongoDB 7.0 and 8.0 take
/// (docs: reference/command/listShards, enableSharding {primaryShard}, shardCollection {key, unique, collation},
/// addShardToZone, updateZoneKeyRange; all on admin), and what it reads of the target's config database through mongos.
/// A connection or authorization failure is a <see cref="MongoBackupException"/> naming the cause
/// (<see cref="DriverErrors"/>), unless the admin is made with <c>translateErrors: false</c>: then the driver's exceptions
/// come as they are, for a caller that reports them its own way (the replay through a mongos, whose refusals name the
/// oplog entry: <see cref="MongosRenameTarget"/>).
/// </summary>
/// <param name="client">The mongos.</param>
/// <param name="translateErrors">Whether the driver's connection and authorization failures become MongoBackupException.</param>
public sealed class MongosShardingAdmin(IMongoClient client, bool translateErrors = true)
{
    private readonly IMongoDatabase _admin = client.GetDatabase("admin");
    private readonly IMongoDatabase _config = client.GetDatabase("config");

    /// <summary>The target's shards: name and the zones each has (config.shards tags, as listShards gives them).</summary>
    public async Task<IReadOnlyDictionary<string, HashSet<string>>> ShardsAsync(CancellationToken ct)
    {
        var reply = await Run(new BsonDocument("listShards", 1), ct);
        return reply["shards"].AsBsonArray.Select(s => s.AsBsonDocument).ToDictionary(s => s["_id"].AsString,
            s => s.GetValue("tags", new BsonArray()).AsBsonArray.Select(t => t.AsString).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>The target's sharded collections (config.collections), by namespace.</summary>
    public async Task<IReadOnlyDictionary<string, ShardedCollection>> ShardedCollectionsAsync(CancellationToken ct)
    {
        var entries = await Translated(() => _config.GetCollection<BsonDocument>("collections")
            .Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(ct));
        return entries.Where(c => !c.GetValue("dropped", false).ToBoolean() && c.GetValue("key", BsonNull.Value) is BsonDocument)
            .Select(ShardedCollection.From).ToDictionary(c => c.Namespace, StringComparer.Ordinal);
    }

    /// <summary>The primary shard of a database the target knows (config.databases), or null.</summary>
    public async Task<string?> PrimaryShardAsync(string database, CancellationToken ct)
    {
        var entry = await Translated(() => _config.GetCollection<BsonDocument>("databases")
            .Find(new BsonDocument("_id", database)).FirstOrDefaultAsync(ct));
        return entry?.GetValue("primary", BsonNull.Value) is BsonString primary ? primary.Value : null;
    }

    /// <summary>Creates <paramref name="database"/> on <paramref name="primaryShard"/>, or where the cluster chooses when it is null.</summary>
    public Task EnableShardingAsync(string database, string? primaryShard, CancellationToken ct)
    {
        var command = new BsonDocument("enableSharding", database);
        if (primaryShard is not null) command["primaryShard"] = primaryShard;
        return Run(command, ct);
    }

    /// <summary>
    /// Shards <paramref name="ns"/> on <paramref name="key"/>; a collection with a default collation needs the simple one
    /// named for its shard key index (shardCollection's collation option).
    /// </summary>
    public Task ShardCollectionAsync(string ns, BsonDocument key, bool unique, bool hasDefaultCollation, CancellationToken ct)
    {
        var command = new BsonDocument { { "shardCollection", ns }, { "key", key } };
        if (unique) command["unique"] = true;
        if (hasDefaultCollation) command["collation"] = new BsonDocument("locale", "simple");
        return Run(command, ct);
    }

    /// <summary>Gives <paramref name="shard"/> the zone <paramref name="zone"/>.</summary>
    public Task AddShardToZoneAsync(string shard, string zone, CancellationToken ct) =>
        Run(new BsonDocument { { "addShardToZone", shard }, { "zone", zone } }, ct);

    /// <summary>Assigns [<paramref name="min"/>, <paramref name="max"/>) of <paramref name="ns"/> to <paramref name="zone"/>.</summary>
    public Task UpdateZoneKeyRangeAsync(string ns, BsonDocument min, BsonDocument max, string zone, CancellationToken ct) =>
        Run(new BsonDocument { { "updateZoneKeyRange", ns }, { "min", min }, { "max", max }, { "zone", zone } }, ct);

    private Task<BsonDocument> Run(BsonDocument command, CancellationToken ct) =>
        Translated(() => _admin.RunCommandAsync<BsonDocument>(command, cancellationToken: ct));

    private Task<T> Translated<T>(Func<Task<T>> call) => translateErrors ? DriverErrors.Translate(call, client) : call();
}
