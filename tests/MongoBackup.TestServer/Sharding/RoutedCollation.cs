using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// What the mongos needs of a collection's default collation: its reads merge, sort and run pipelines under it, and a
/// query in a non-simple collation cannot be targeted by an exact shard key that holds strings (chunk ranges are in
/// simple order, SERVER-24751: "a" and "A" may lie on different shards), so it goes to every shard, as mongos's
/// targeting does when the query's collation is not the shard key's.
/// </summary>
internal static class RoutedCollation
{
    /// <summary>The collection's default collation, as its database's primary shard lists it; simple when it has none or is not there.</summary>
    public static BsonValueOrder DefaultOf(ClusterRouter router, string database, string name)
    {
        if (database is "config" or "admin" or "local" || router.PrimaryShard(database, create: false) is not { } primary) return BsonValueOrder.Instance;
        var listed = primary.Drain(database, new BsonDocument { { "listCollections", 1 }, { "filter", new BsonDocument("name", name) } }, new BsonDocument(), router.ClusterTime());
        return listed.Count > 0 && listed[0].GetValue("options", new BsonDocument()) is BsonDocument options && options.TryGetValue("collation", out var collation)
            ? CollationKeys.OrderOf(collation)
            : BsonValueOrder.Instance;
    }

    /// <summary>True when an exact shard key may pick the one shard: the collation is simple or the key holds no string.</summary>
    public static bool Targets(BsonValueOrder collation, BsonDocument key) => BlockingField(collation, key) is null;

    /// <summary>The first field of the key whose value the collation compares (so no single shard can be picked by it); null when none.</summary>
    public static string? BlockingField(BsonValueOrder collation, BsonDocument key) =>
        collation.IsSimple ? null : key.Elements.FirstOrDefault(e => HoldsString(e.Value)).Name;

    /// <summary>ChunkManager::findIntersectingChunk's refusal, as a targeter reports it for an upsert (ShardKeyNotFound).</summary>
    public static CommandFailure UpsertNotTargetable(string field, string ns) => new(61, "ShardKeyNotFound",
        $"Failed to target upsert by query :: caused by :: Cannot target single shard due to collation of key {field} for namespace {ns}");

    private static bool HoldsString(BsonValue value) => value switch
    {
        BsonString or BsonSymbol => true,
        BsonDocument d => d.Values.Any(HoldsString),
        BsonArray a => a.Any(HoldsString),
        _ => false,
    };
}
