using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Which of a collection's index specs (as listIndexes dumps them, or createIndexes entries log them) can serve a shard
/// key, so a restore into a cluster builds it before sharding and the cluster does not make its own: its key begins with
/// the shard key's (same fields, same direction or "hashed"), it is neither partial, sparse nor a wildcard index, and its
/// collation is simple, as MongoDB requires of a shard key's index (s/shard_key_index_util.cpp, isCompatibleWithShardKey). On a
/// collection with a default collation an index on the same key may also exist in that collation (listed with it; a
/// simple one is listed with none): built first, it would not serve, and the cluster's own key index (named after the
/// key, shard_key_util.cpp createShardKeyIndex) would take the name the restore later needs for it. A hidden index is
/// skipped too: it serves no query, and sharding on it would leave the key's index invisible to the planner.
/// </summary>
public static class ShardKeyIndexSpec
{
    /// <summary>The first of <paramref name="specs"/> that can serve <paramref name="shardKey"/>, or null.</summary>
    public static BsonDocument? Find(IEnumerable<BsonDocument> specs, BsonDocument shardKey) =>
        specs.FirstOrDefault(spec => spec.GetValue("key", BsonNull.Value) is BsonDocument index && StartsWith(index, shardKey) && CanServe(spec));

    private static bool StartsWith(BsonDocument index, BsonDocument shardKey) =>
        index.ElementCount >= shardKey.ElementCount
        && shardKey.Select((e, i) => index.GetElement(i).Name == e.Name && SameDirection(index[i], e.Value)).All(b => b);

    private static bool CanServe(BsonDocument spec) =>
        !spec.Contains("partialFilterExpression") && !spec.GetValue("sparse", false).ToBoolean() && !spec.GetValue("hidden", false).ToBoolean()
        && !(spec.GetValue("key", BsonNull.Value) is BsonDocument key && key.Names.Any(n => n.EndsWith("$**", StringComparison.Ordinal)))
        && (spec.GetValue("collation", BsonNull.Value) is not BsonDocument collation || collation.GetValue("locale", BsonNull.Value) == "simple");

    private static bool SameDirection(BsonValue index, BsonValue key) =>
        key.IsString ? index.IsString && index.AsString == key.AsString : index.IsNumeric && key.IsNumeric && index.ToDouble() == key.ToDouble();
}
