using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// refineCollectionShardKey {refineCollectionShardKey: ns, key} through mongos (admin only), as MongoDB 4.4+ applies it
/// (refine_collection_shard_key_coordinator.cpp; sharding_catalog_manager_collection_operations.cpp): the collection must
/// be sharded, the new key must extend the current one (same fields and kinds first), and an index supporting the new
/// key must exist (refine never builds one). config.collections gets the new key, epoch and timestamp; every chunk's
/// bounds gain the new fields at MinKey, except the global max chunk's upper bound, which gains them at MaxKey. The
/// primary shard writes the no-op change streams read: {op: "n", ns, ui, o: {msg: "Refine shard key for collection ns
/// with key"}, o2: {refineCollectionShardKey: ns, shardKey, oldShardKey}} (notifyChangeStreamsOnRefineCollectionShardKeyComplete).
/// </summary>
internal static class ShardKeyRefinement
{
    public static BsonDocument Refine(ClusterRouter router, CommandContext context)
    {
        MongosShardingCommands.RequireAdmin(context);
        var ns = context.CommandValue.AsString;
        var routing = router.Routing(ns) ?? throw new CommandFailure(118, "NamespaceNotSharded", $"refineCollectionShardKey namespace {ns} is not sharded");
        var key = ShardKeyPattern.Parse(context.DocumentArgument("key"));
        var old = routing.Key.Pattern;
        if (key.Pattern.ElementCount <= old.ElementCount || !old.Select((e, i) => key.Pattern.GetElement(i).Equals(e)).All(b => b))
            throw CommandFailure.InvalidOptions($"refineCollectionShardKey: the new shard key {key.Pattern.ToJson()} must extend the current shard key {old.ToJson()}");
        var (database, name) = Storage.Catalog.SplitNamespace(ns);
        var primary = router.PrimaryShard(database, create: false)!;
        var clusterTime = router.ClusterTime();
        var indexes = primary.Drain(database, new BsonDocument("listIndexes", name), new BsonDocument(), clusterTime);
        if (!indexes.Any(i => MongosShardingCommands.CanServeAsKey(i, key.Pattern)))
            throw CommandFailure.InvalidOptions("Please create an index that starts with the proposed shard key before refining the shard key.");

        var added = key.Pattern.Skip(old.ElementCount).Select(e => e.Name).ToList();
        foreach (var chunk in routing.Chunks)
        {
            var max = chunk["max"].AsBsonDocument;
            var globalMax = max.Values.All(v => v.IsBsonMaxKey);
            router.Catalog.Update("chunks", new BsonDocument("_id", chunk["_id"]), new BsonDocument("$set", new BsonDocument
            {
                { "min", Extend(chunk["min"].AsBsonDocument, added, BsonMinKey.Value) },
                { "max", Extend(max, added, globalMax ? BsonMaxKey.Value : BsonMinKey.Value) },
            }));
        }
        router.Catalog.Update("collections", new BsonDocument("_id", ns), new BsonDocument("$set", new BsonDocument
        {
            { "key", key.Pattern }, { "lastmodEpoch", ObjectId.GenerateNewId() }, { "timestamp", router.ClusterTime() },
        }));
        router.MarkSharded(database, name, key.Pattern);
        using (primary.Server.State.Catalog.Lock.Exclusive())
            primary.Server.State.Oplog!.Write(new BsonDocument
            {
                { "op", "n" }, { "ns", ns }, { "ui", routing.Uuid },
                { "o", new BsonDocument("msg", $"Refine shard key for collection {ns} with {key.Pattern.ToJson()}") },
                { "o2", new BsonDocument { { "refineCollectionShardKey", ns }, { "shardKey", key.Pattern }, { "oldShardKey", old } } },
            });
        return new BsonDocument();
    }

    private static BsonDocument Extend(BsonDocument bound, IEnumerable<string> fields, BsonValue value)
    {
        var extended = new BsonDocument(bound);
        foreach (var field in fields) extended.Add(field, value);
        return extended;
    }
}
