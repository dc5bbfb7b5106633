using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The sharding administration commands of mongos (admin database only): enableSharding, shardCollection (range or
/// hashed key; s/commands/cluster_shard_collection_cmd.cpp with the 7.0 create-collection coordinator's effects),
/// refineCollectionShardKey (<see cref="ShardKeyRefinement"/>), listShards, split {middle}, isdbgrid, flushRouterConfig.
/// </summary>
internal sealed class MongosShardingCommands(ClusterRouter router) : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("enableSharding", EnableSharding);
        table.Add("enablesharding", EnableSharding);
        table.Add("shardCollection", ShardCollection);
        table.Add("shardcollection", ShardCollection);
        table.Add("refineCollectionShardKey", context => ShardKeyRefinement.Refine(router, context));
        table.Add("listShards", ListShards);
        table.Add("listshards", ListShards);
        table.Add("split", Split);
        table.Add("isdbgrid", _ => new BsonDocument { { "isdbgrid", 1 }, { "hostname", Environment.MachineName } });
        table.Add("flushRouterConfig", _ => new BsonDocument("flushed", true));
    }

    /// <summary>
    /// Creates the database on primaryShard (an unknown shard is ShardNotFound), or on the least-loaded shard; a database
    /// the cluster has already stays where it is, and naming another primaryShard for it is NamespaceExists
    /// (sharding_catalog_manager_database_operations.cpp createDatabase, 7.0: "database already created on a primary
    /// which is different from X").
    /// </summary>
    private BsonDocument EnableSharding(CommandContext context)
    {
        RequireAdmin(context);
        var database = context.CommandValue.AsString;
        var wanted = context.Body.GetValue("primaryShard", BsonNull.Value) is { IsString: true } shard ? router.Shard(shard.AsString).Name : null;
        if (router.Catalog.Database(database) is { } existing)
        {
            if (wanted is not null && existing["primary"].AsString != wanted)
                throw new CommandFailure(48, "NamespaceExists", $"database already created on a primary which is different from {wanted}");
        }
        else if (wanted is not null)
            router.Catalog.AddDatabase(database, wanted);
        else
            router.PrimaryShard(database, create: true);
        return new BsonDocument();
    }

    /// <summary>
    /// shard_key_util.cpp validateShardKeyIndexExistsOrCreateIfPossible, step 1: a unique (or prepareUnique) index
    /// whose fields do not begin with the shard key's (ShardKeyPattern::isIndexUniquenessCompatible; the _id index
    /// aside) refuses sharding with InvalidOptions, since its uniqueness could not be kept across shards.
    /// </summary>
    private static void RequireUniqueIndexesPrefixedByKey(string ns, IEnumerable<BsonDocument> indexes, BsonDocument shardKey)
    {
        foreach (var index in indexes)
        {
            if (!index.GetValue("unique", false).ToBoolean() && !index.GetValue("prepareUnique", false).ToBoolean()) continue;
            var indexKey = index["key"].AsBsonDocument;
            if (indexKey.ElementCount > 0 && indexKey.GetElement(0).Name == "_id") continue;
            var prefixed = shardKey.ElementCount <= indexKey.ElementCount
                && shardKey.Names.Zip(indexKey.Names).All(pair => pair.First == pair.Second);
            if (!prefixed)
                throw CommandFailure.InvalidOptions($"can't shard collection '{ns}' with unique index on {indexKey.ToJson()} and proposed shard key " +
                    $"{shardKey.ToJson()}. Uniqueness can't be maintained unless shard key is a prefix");
        }
    }

    private BsonDocument ShardCollection(CommandContext context)
    {
        RequireAdmin(context);
        var ns = context.CommandValue.AsString;
        var (database, name) = Catalog.SplitNamespace(ns);
        var key = ShardKeyPattern.Parse(context.DocumentArgument("key"));
        var unique = context.BoolArgument("unique");
        if (unique && key.IsHashed) throw CommandFailure.InvalidOptions("Hashed shard keys cannot be declared unique. It's possible to ensure uniqueness on the hashed field by declaring an additional (non-hashed) unique index on the field.");
        if (router.Catalog.Collection(ns) is { } existing)
        {
            if (existing["key"].Equals(key.Pattern)) return new BsonDocument("collectionsharded", ns);
            throw new CommandFailure(23, "AlreadyInitialized", $"sharding already enabled for collection {ns} with options {existing.ToJson()}");
        }
        var primary = router.PrimaryShard(database, create: true)!;
        var clusterTime = router.ClusterTime();
        var listed = primary.Drain(database, new BsonDocument { { "listCollections", 1 }, { "filter", new BsonDocument("name", name) } }, new BsonDocument(), clusterTime);
        if (listed.Count == 0)
        {
            primary.RunChecked(database, new BsonDocument("create", name), clusterTime);
            listed = primary.Drain(database, new BsonDocument { { "listCollections", 1 }, { "filter", new BsonDocument("name", name) } }, new BsonDocument(), clusterTime);
        }
        if (listed[0].GetValue("type", "collection").AsString != "collection")
            throw CommandFailure.IllegalOperation($"the in-memory test server's mongos shards only plain collections, not {ns}");
        var defaultCollation = RequireSimpleCollation(context, listed[0]);
        var empty = primary.RunChecked(database, new BsonDocument("count", name), clusterTime)["n"].ToInt64() == 0;
        var indexes = primary.Drain(database, new BsonDocument("listIndexes", name), new BsonDocument(), clusterTime);
        RequireUniqueIndexesPrefixedByKey(ns, indexes, key.Pattern);
        if (!indexes.Any(i => CanServeAsKey(i, key.Pattern)))
        {
            if (!empty) throw CommandFailure.InvalidOptions("Please create an index that starts with the proposed shard key before sharding the collection. " + Unusable(indexes, key.Pattern));
            var spec = key.IndexSpec;
            if (unique) spec.Add("unique", true);
            if (defaultCollation) spec.Add("collation", new BsonDocument("locale", "simple"));
            primary.RunChecked(database, new BsonDocument { { "createIndexes", name }, { "indexes", new BsonArray { spec } } }, clusterTime);
        }
        var uuid = listed[0]["info"]["uuid"];
        var timestamp = router.ClusterTime();
        var chunks = InitialChunks(key, empty, primary.Name, uuid, timestamp);
        foreach (var owner in chunks.Select(c => c["shard"].AsString).Distinct().Where(s => s != primary.Name))
            ChunkMigration.EnsureCollection(primary, router.Shard(owner), database, name, router.ClusterTime());
        router.Catalog.Insert("collections", new BsonDocument
        {
            { "_id", ns }, { "lastmodEpoch", ObjectId.GenerateNewId() }, { "lastmod", new BsonDateTime(DateTime.UtcNow) },
            { "timestamp", timestamp }, { "uuid", uuid }, { "key", key.Pattern }, { "unique", unique }, { "noBalance", false },
        });
        router.Catalog.Insert("chunks", chunks.ToArray());
        router.MarkSharded(database, name, key.Pattern);
        NotifyChangeStreams(primary, ns, uuid, key, unique, context.Body.GetValue("collation", BsonNull.Value));
        return new BsonDocument("collectionsharded", ns);
    }

    /// <summary>
    /// The no-op the primary shard writes when the create-collection coordinator commits, for change streams
    /// (change_stream_oplog_notification.cpp notifyChangeStreamsOnShardCollection, called from
    /// create_collection_coordinator.cpp with the request): {op: "n", ns, ui, o: {msg: {shardCollection: ns}},
    /// o2: {shardCollection: ns, shardKey, unique, numInitialChunks, presplitHashedZones[, collation]}}, the request's
    /// fields in the order jstests/change_streams/shard_collection_event.js sees them as the event's operationDescription.
    /// Only the primary shard writes it (jstests/sharding/change_stream_shard_collection.js: "visible only on shard0").
    /// </summary>
    private static void NotifyChangeStreams(ClusterMember primary, string ns, BsonValue uuid, ShardKeyPattern key, bool unique, BsonValue collation)
    {
        var request = new BsonDocument
        {
            { "shardCollection", ns }, { "shardKey", key.Pattern }, { "unique", unique }, { "numInitialChunks", 0L }, { "presplitHashedZones", false },
        };
        if (!collation.IsBsonNull) request.Add("collation", collation);
        using (primary.Server.State.Catalog.Lock.Exclusive())
            primary.Server.State.Oplog!.Write(new BsonDocument
            {
                { "op", "n" }, { "ns", ns }, { "ui", uuid }, { "o", new BsonDocument("msg", new BsonDocument("shardCollection", ns)) }, { "o2", request },
            });
    }

    /// <summary>
    /// One chunk over the whole key space on the primary shard; for a hashed key on an empty collection the hash range
    /// split evenly, one chunk per shard (7.0 presplits hashed keys; its default count differs, a detail no reader needs).
    /// </summary>
    private List<BsonDocument> InitialChunks(ShardKeyPattern key, bool empty, string primary, BsonValue uuid, BsonTimestamp timestamp)
    {
        var bounds = new List<BsonDocument> { key.GlobalMin };
        var owners = new List<string>();
        if (key.IsHashed && empty && router.Shards.Count > 1)
        {
            var step = (System.Numerics.BigInteger.One << 64) / router.Shards.Count;
            for (var i = 1; i < router.Shards.Count; i++)
            {
                var split = (long)(long.MinValue + step * i);
                bounds.Add(new BsonDocument(key.Pattern.Select(e => new BsonElement(e.Name, e.Value.IsString ? new BsonInt64(split) : BsonMinKey.Value))));
            }
            owners.AddRange(router.Shards.Select(s => s.Name));
        }
        else
        {
            owners.Add(primary);
        }
        bounds.Add(key.GlobalMax);
        return owners.Select((owner, i) => ChunkDocument(uuid, bounds[i], bounds[i + 1], owner, new BsonTimestamp(1, i), timestamp)).ToList();
    }

    /// <summary>
    /// The shard key's collation is always simple (SERVER-24751): a collation option other than {locale: "simple"} is
    /// BadValue (the message DOCS-12589 quotes), and so is sharding a collection that has a non-simple default collation
    /// without naming the simple one. Returns whether the collection has such a default (its key index then gets the simple one).
    /// </summary>
    private static bool RequireSimpleCollation(CommandContext context, BsonDocument listed)
    {
        var given = context.Body.GetValue("collation", BsonNull.Value);
        if (!given.IsBsonNull && !IsSimple(given))
            throw CommandFailure.BadValue($"The collation for shardCollection must be {{locale: 'simple'}}, but found: {given.ToJson()}");
        var collectionDefault = listed.GetValue("options", new BsonDocument()).AsBsonDocument.GetValue("collation", BsonNull.Value);
        var hasDefault = !collectionDefault.IsBsonNull && !IsSimple(collectionDefault);
        if (hasDefault && given.IsBsonNull)
            throw CommandFailure.BadValue($"Collection has default collation: {collectionDefault.ToJson()}. Must specify collation {{locale: 'simple'}}");
        return hasDefault;
    }

    private static bool IsSimple(BsonValue collation) => collation is BsonDocument d && d.GetValue("locale", BsonNull.Value) == "simple";

    public static BsonDocument ChunkDocument(BsonValue uuid, BsonDocument min, BsonDocument max, string shard, BsonTimestamp version, BsonTimestamp since) => new()
    {
        { "_id", ObjectId.GenerateNewId() }, { "uuid", uuid }, { "min", min }, { "max", max }, { "shard", shard },
        { "lastmod", version }, { "onCurrentShardSince", since },
        { "history", new BsonArray { new BsonDocument { { "validAfter", since }, { "shard", shard } } } },
    };

    private BsonDocument ListShards(CommandContext context)
    {
        RequireAdmin(context);
        return new BsonDocument("shards", new BsonArray(router.Catalog.Shards()));
    }

    /// <summary>split {split: ns, middle}: the chunk holding middle becomes [min, middle) and [middle, max), minor versions bumped.</summary>
    private BsonDocument Split(CommandContext context)
    {
        RequireAdmin(context);
        var ns = context.CommandValue.AsString;
        if (!context.Body.Contains("middle")) throw MongosReadCommands.Unsupported("split without 'middle' (find or bounds)");
        var routing = router.Routing(ns) ?? throw CommandFailure.NamespaceNotFound($"{ns} is not sharded");
        var middle = context.DocumentArgument("middle");
        if (!middle.Names.SequenceEqual(routing.Key.Fields))
            throw CommandFailure.BadValue($"split key {middle.ToJson()} does not match the shard key {routing.Key.Pattern.ToJson()}");
        var chunk = routing.ChunkFor(middle);
        if (ShardKeyPattern.Compare(chunk["min"].AsBsonDocument, middle) == 0)
            throw CommandFailure.BadValue($"cannot split chunk [{chunk["min"].ToJson()}, {chunk["max"].ToJson()}) at its lower bound {middle.ToJson()}");
        var top = routing.HighestVersion;
        router.Catalog.Update("chunks", new BsonDocument("_id", chunk["_id"]), new BsonDocument("$set", new BsonDocument
        {
            { "max", middle }, { "lastmod", new BsonTimestamp(top.Timestamp, top.Increment + 1) },
        }));
        var right = ChunkDocument(routing.Uuid, middle, chunk["max"].AsBsonDocument, chunk["shard"].AsString,
            new BsonTimestamp(top.Timestamp, top.Increment + 2), chunk["onCurrentShardSince"].AsBsonTimestamp);
        right["history"] = chunk["history"];
        router.Catalog.Insert("chunks", right);
        return new BsonDocument();
    }

    /// <summary>
    /// Whether an index (as listIndexes gives it) can serve a shard key: it starts with the key and is neither partial nor
    /// sparse, and its collation is simple (listed as none). MongoDB 7.0, s/shard_key_index_util.cpp isCompatibleWithShardKey;
    /// a hidden index is skipped (_findShardKeyPrefixedIndex); multikey is not modelled.
    /// </summary>
    public static bool CanServeAsKey(BsonDocument index, BsonDocument pattern) =>
        StartsWith(index["key"].AsBsonDocument, pattern) && !index.Contains("collation") && !index.Contains("partialFilterExpression")
        && !index.GetValue("sparse", false).ToBoolean() && !index.GetValue("hidden", false).ToBoolean();

    /// <summary>Why the indexes that start with the key cannot serve it, in isCompatibleWithShardKey's words.</summary>
    public static string Unusable(IEnumerable<BsonDocument> indexes, BsonDocument pattern) => string.Join("\n", indexes
        .Where(i => StartsWith(i["key"].AsBsonDocument, pattern) && !CanServeAsKey(i, pattern) && !i.GetValue("hidden", false).ToBoolean())
        .Select(i => $"Index {i["name"]} cannot be used for sharding because:" + (i.Contains("partialFilterExpression") ? " Index key is partial." : "")
            + (i.GetValue("sparse", false).ToBoolean() ? " Index key is sparse." : "") + (i.Contains("collation") ? " Index has a non-simple collation." : "")));

    public static bool StartsWith(BsonDocument index, BsonDocument pattern) =>
        index.ElementCount >= pattern.ElementCount && pattern.Select((e, i) => index.GetElement(i).Name == e.Name &&
            (e.Value.IsString ? index[i].IsString && index[i].AsString == "hashed" : index[i].IsNumeric && index[i].ToDouble() > 0)).All(b => b);

    public static void RequireAdmin(CommandContext context)
    {
        if (context.Database != "admin")
            throw CommandFailure.Unauthorized($"{context.CommandName} may only be run against the admin database.");
    }
}
