using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// What a replay into a sharded cluster (through its mongos) makes of the no-op entries a shard writes when a
/// collection's sharding changes (MongoDB 6.0+, for change streams: change_stream_oplog_notification.cpp,
/// refine_collection_shard_key_coordinator.cpp; the o2 forms change_stream_event_transform.cpp reads). A replay into a
/// replica set or a standalone server restores unsharded and leaves them out, as every no-op.
/// <list type="bullet">
/// <item>{op: "n", ns, o2: {shardCollection: ns, shardKey, unique, numInitialChunks, presplitHashedZones[, collation]}},
/// written by the primary shard after the collection's create and its key index: the target collection is sharded on
/// that key (unique as it was). The key's index is built first from the spec the replay holds for it (the dump's or a
/// replayed createIndexes; one mongod takes for a shard key, never a sparse or partial one that merely begins with it, and
/// a plain one on the key when the replay holds none), so a collection that already holds documents can be sharded and the
/// index keeps the source's name and options (its entry marked o2: {shardKeyIndex: true}: an index on that key under another name on the
/// target serves as well). The shardCollection entry carries o2: {source: ns} for the target's zone ranges.</item>
/// <item>{o2: {refineCollectionShardKey: ns, shardKey, oldShardKey}} and {o2: {reshardCollection: ns, shardKey, ...}}:
/// not applied (a replay would have to rebuild the refined key's index mid-replay, or redistribute the collection);
/// the collection fails there, named with the entry's timestamp, and nothing more is written to it, rather than
/// being restored under a key the source no longer had. A time-series collection sharded in the window fails the same
/// way, as a sharded time-series collection is not restored into a cluster.</item>
/// </list>
/// </summary>
public sealed class ShardingEvents(ReplayCoverage coverage, NamespaceMap map, ReplayState state)
{
    /// <summary>What a no-op entry becomes on a sharded target: nothing, or an index build and a shardCollection.</summary>
    public Rewritten Rewrite(BsonDocument entry)
    {
        if (entry.GetValue("o2", BsonNull.Value) is not BsonDocument { ElementCount: > 0 } o2 || o2[0] is not BsonString { Value: var ns })
            return Rewritten.Nothing;
        var kind = o2.GetElement(0).Name;
        if (kind is not ("shardCollection" or "refineCollectionShardKey" or "reshardCollection")) return Rewritten.Nothing;
        var (database, collection) = NamespaceName.Split(ns);
        var owner = database + "." + SystemCollections.OwnerOf(collection);
        if (!coverage.Covers(database, collection) || !state.IsHeld(owner) || state.HasFailed(owner)) return Rewritten.Nothing;
        var at = entry.GetValue("ts", BsonNull.Value) is BsonTimestamp ts ? OplogTimestamp.FromBsonTimestamp(ts).ToString() : "an unknown timestamp";
        var key = o2.GetValue("shardKey", BsonNull.Value) as BsonDocument;
        if (kind != "shardCollection")
        {
            var change = kind == "refineCollectionShardKey" ? "refined its shard key" : "resharded it";
            state.Fail(owner, $"the oplog entry at {at} {change} ({kind}) from {(o2.GetValue("oldShardKey", BsonNull.Value) is BsonDocument old ? old.ToJson() : "its key")} to {key?.ToJson()}, " +
                $"which a replay through a mongos does not apply; its writes from there on were not replayed. Restore to a moment before {at}, " +
                "or restore it into a replica set, unsharded");
            return Rewritten.Nothing;
        }
        if (TimeseriesBuckets.IsBuckets(collection) || key is null)
        {
            state.Fail(owner, $"the oplog entry at {at} sharded it as a time-series collection, which is not restored into a sharded cluster yet; " +
                $"restore to a moment before {at}, or restore it into a replica set");
            return Rewritten.Nothing;
        }

        var (targetDb, targetCollection) = map.MapStored(database, collection);
        var command = new BsonDocument { { "shardCollection", targetDb + "." + targetCollection }, { "key", key } };
        if (o2.GetValue("unique", false).ToBoolean()) command["unique"] = true;
        if (o2.GetValue("collation", BsonNull.Value) is BsonDocument collation) command["collation"] = collation;
        var operations = new List<BsonDocument>();
        var spec = KeyIndex(owner, key);
        if (command.Contains("collation") && !spec.Contains("collation")) spec["collation"] = new BsonDocument("locale", "simple");
        var build = CommandRewriter.CommandEntry(entry, targetDb, new BsonDocument { { "createIndexes", targetCollection }, { "indexes", new BsonArray { spec } } });
        build["o2"] = new BsonDocument("shardKeyIndex", true);
        operations.Add(build);
        var shard = CommandRewriter.CommandEntry(entry, targetDb, command);
        shard["o2"] = new BsonDocument("source", owner);
        operations.Add(shard);
        return new Rewritten(operations, true);
    }

    /// <summary>
    /// The index the replay holds for <paramref name="ns"/> that can serve the shard key (a copy, see <see cref="ShardKeyIndexSpec"/>).
    /// When the replay holds none, a plain ascending (or hashed) index on the key itself, named as MongoDB names one by default,
    /// as shardCollection builds one on an empty collection (a non-empty one without it is refused).
    /// </summary>
    private BsonDocument KeyIndex(string ns, BsonDocument shardKey) =>
        ShardKeyIndexSpec.Find(state.Indexes.Of(ns), shardKey)?.DeepClone().AsBsonDocument ?? new BsonDocument
        {
            { "v", 2 }, { "key", shardKey.DeepClone() }, { "name", string.Join("_", shardKey.Select(e => $"{e.Name}_{(e.Value.IsString ? e.Value.AsString : e.Value.ToInt32().ToString(System.Globalization.CultureInfo.InvariantCulture))}")) },
        };
}
