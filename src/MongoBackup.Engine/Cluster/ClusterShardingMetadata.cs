using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoDB.Bson;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// What a cluster snapshot's config metadata (the configsvr/ folder <see cref="ClusterMetadataDumper"/> wrote) says about
/// how the source was sharded, as a restore into a sharded cluster needs it: each database's primary shard
/// (config.databases {_id, primary}), each sharded collection's key and unique flag (config.collections {_id: ns, key,
/// unique}; a dropped one, {dropped: true} before 5.0, left out), the zones each shard had (config.shards tags) and the
/// zone ranges (config.tags {ns, tag, min, max}). Forms: s/catalog/type_database.idl, type_collection.idl, type_shard.h,
/// type_tags.h of MongoDB 7.0. Chunks are not read: a restore leaves chunk placement to the target's balancer.
/// </summary>
public sealed class ClusterShardingMetadata
{
    /// <summary>Primary shard by database name.</summary>
    public IReadOnlyDictionary<string, string> PrimaryShards { get; init; } = new Dictionary<string, string>();

    /// <summary>Sharded collections by source namespace.</summary>
    public IReadOnlyDictionary<string, ShardedCollection> Collections { get; init; } = new Dictionary<string, ShardedCollection>();

    /// <summary>Every (shard, zone) the source had.</summary>
    public IReadOnlyList<(string Shard, string Zone)> ShardZones { get; init; } = [];

    /// <summary>Every zone range, in the order config.tags listed them.</summary>
    public IReadOnlyList<ZoneRange> ZoneRanges { get; init; } = [];

    /// <summary>Reads the metadata folder of <paramref name="manifest"/> (a cluster snapshot; its files are checked as they are read, under <paramref name="dataKey"/> when encrypted); a file the manifest lacks reads as empty.</summary>
    /// <exception cref="CorruptDumpException">A metadata file is damaged.</exception>
    public static async Task<ClusterShardingMetadata> ReadAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        async Task<List<BsonDocument>> Read(string collection) => await ClusterMetadataFiles.ReadAsync(repository, manifest, dataKey, collection, ct) ?? [];

        var databases = await Read("databases");
        var collections = await Read("collections");
        var shards = await Read("shards");
        var tags = await Read("tags");
        return new ClusterShardingMetadata
        {
            PrimaryShards = databases.Where(d => d.GetValue("primary", BsonNull.Value).IsString)
                .ToDictionary(d => d["_id"].AsString, d => d["primary"].AsString, StringComparer.Ordinal),
            Collections = collections.Where(c => !c.GetValue("dropped", false).ToBoolean() && c.GetValue("key", BsonNull.Value) is BsonDocument)
                .Select(ShardedCollection.From).ToDictionary(c => c.Namespace, StringComparer.Ordinal),
            ShardZones = shards.SelectMany(s => s.GetValue("tags", new BsonArray()).AsBsonArray.Select(t => (s["_id"].AsString, t.AsString))).ToList(),
            ZoneRanges = tags.Select(t => new ZoneRange(t["ns"].AsString, t["tag"].AsString, t["min"].AsBsonDocument, t["max"].AsBsonDocument)).ToList(),
        };
    }
}

/// <summary>A sharded collection of the source: its namespace, shard key pattern ({field: 1} or {field: "hashed"}) and whether the key is unique.</summary>
public sealed record ShardedCollection(string Namespace, BsonDocument Key, bool Unique)
{
    /// <summary>From a config.collections document.</summary>
    public static ShardedCollection From(BsonDocument entry) =>
        new(entry["_id"].AsString, entry["key"].AsBsonDocument, entry.GetValue("unique", false).ToBoolean());

    /// <summary>The key's fields in order.</summary>
    public IReadOnlyList<string> Fields => Key.Names.ToList();
}

/// <summary>A zone range of the source (config.tags): documents of <paramref name="Namespace"/> whose shard key is in [Min, Max) belong to <paramref name="Zone"/>.</summary>
public sealed record ZoneRange(string Namespace, string Zone, BsonDocument Min, BsonDocument Max);
