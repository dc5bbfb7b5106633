using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Cursors;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// Databases, collections and indexes through mongos: listDatabases merges every shard's (sizes summed, per-shard sizes
/// under "shards") with admin and config from the config server, local left out (cluster_list_databases_cmd.cpp);
/// listCollections goes to the database's primary shard; listIndexes to a shard owning chunks (the primary one for an
/// unsharded collection); create, createIndexes, dropIndexes and collMod to the primary shard, or to every shard
/// owning chunks of a sharded collection; drop and dropDatabase to every shard, removing the config entries. A sharded
/// collection is renamed within its database only, its metadata moving with it.
/// </summary>
internal sealed class MongosCatalogCommands(ClusterRouter router) : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("listDatabases", ListDatabases);
        table.Add("listCollections", ListCollections);
        table.Add("listIndexes", ListIndexes);
        table.Add("create", c => ToOwners(c, create: true));
        table.Add("createIndexes", c => ToOwners(c, create: true));
        table.Add("dropIndexes", c => ToOwners(c, create: false));
        table.Add("collMod", c => ToOwners(c, create: false));
        table.Add("drop", Drop);
        table.Add("dropDatabase", DropDatabase);
        table.Add("renameCollection", RenameCollection);
    }

    private BsonDocument ListDatabases(CommandContext context)
    {
        var filter = DocumentFilter.Parse(context.DocumentArgument("filter"));
        var nameOnly = context.BoolArgument("nameOnly");
        var sizes = new Dictionary<string, BsonDocument>(StringComparer.Ordinal);
        var members = router.Shards.Select(s => (s.Name, Member: s, Keep: (Func<string, bool>)(n => n is not ("admin" or "config" or "local"))))
            .Append((router.Config.Name, Member: router.Config, Keep: n => n is "admin" or "config"));
        foreach (var (name, member, keep) in members)
        {
            var reply = member.RunChecked("admin", new BsonDocument("listDatabases", 1), router.ClusterTime());
            foreach (var database in reply["databases"].AsBsonArray.Select(d => d.AsBsonDocument).Where(d => keep(d["name"].AsString)))
            {
                if (!sizes.TryGetValue(database["name"].AsString, out var perShard)) sizes[database["name"].AsString] = perShard = new BsonDocument();
                perShard[name] = database["sizeOnDisk"];
            }
        }
        var databases = new BsonArray();
        long total = 0;
        foreach (var (name, perShard) in sizes.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var size = perShard.Values.Sum(v => v.ToInt64());
            var entry = new BsonDocument { { "name", name }, { "sizeOnDisk", size }, { "empty", size == 0 }, { "shards", perShard } };
            if (!filter.Matches(entry)) continue;
            total += size;
            databases.Add(nameOnly ? new BsonDocument("name", name) : entry);
        }
        var result = new BsonDocument("databases", databases);
        if (!nameOnly) result.Add("totalSize", total).Add("totalSizeMb", total / (1024 * 1024));
        return result;
    }

    private BsonDocument ListCollections(CommandContext context)
    {
        var command = new BsonDocument("listCollections", 1).AddRange(context.Body.Where(e => e.Name is "filter" or "nameOnly" or "authorizedCollections"));
        var collections = Member(context.Database) is { } member ? DrainFrom(context, member, command) : [];
        return CursorReplies.First(context, new ListCursor(context.Database + ".$cmd.listCollections", collections), CursorReplies.BatchSizeOf(context));
    }

    private BsonDocument ListIndexes(CommandContext context)
    {
        var name = context.CollectionName();
        var member = router.Routing(context.Database + "." + name) is { } routing ? router.Shard(routing.Shards.First()) : Member(context.Database);
        if (member == null) throw CommandFailure.NamespaceNotFound($"ns does not exist: {context.Database}.{name}");
        var indexes = DrainFrom(context, member, new BsonDocument("listIndexes", name));
        return CursorReplies.First(context, new ListCursor(context.Database + "." + name, indexes), CursorReplies.BatchSizeOf(context));
    }

    /// <summary>create, createIndexes, dropIndexes, collMod: the primary shard, or each shard owning chunks of a sharded collection.</summary>
    private BsonDocument ToOwners(CommandContext context, bool create)
    {
        var name = context.CollectionName();
        var command = WithoutRouting(context);
        if (context.Database is "config" or "admin") return router.Config.RunChecked(context.Database, command, router.ClusterTime());
        if (router.Routing(context.Database + "." + name) is { } routing)
        {
            if (context.CommandName == "createIndexes") RequireUniqueCompatible(context, routing.Key);
            BsonDocument? first = null;
            foreach (var shard in routing.Shards.Select(router.Shard)) first ??= router.ForwardChecked(context, shard, context.Database, command);
            return first!;
        }
        var primary = router.PrimaryShard(context.Database, create)
            ?? throw CommandFailure.NamespaceNotFound($"ns does not exist: {context.Database}.{name}");
        return router.ForwardChecked(context, primary, context.Database, command);
    }

    /// <summary>
    /// A unique index on a sharded collection must be the _id index or start with the shard key's fields (by name:
    /// ShardKeyPattern::isIndexUniquenessCompatible, s/shard_key_pattern.cpp), since each shard can enforce only its own
    /// part; another is CannotCreateIndex (67), as the shards refuse it for the 7.0 mongos.
    /// </summary>
    private static void RequireUniqueCompatible(CommandContext context, ShardKeyPattern key)
    {
        foreach (var spec in context.Body.GetValue("indexes", new BsonArray()).AsBsonArray.OfType<BsonDocument>())
        {
            if (!spec.GetValue("unique", false).ToBoolean() || spec.GetValue("key", BsonNull.Value) is not BsonDocument index) continue;
            if (index.ElementCount == 1 && index.GetElement(0).Name == "_id") continue;
            var fields = key.Fields.ToList();
            if (index.ElementCount >= fields.Count && fields.Select((f, i) => index.GetElement(i).Name == f).All(b => b)) continue;
            throw new CommandFailure(67, "CannotCreateIndex", $"cannot create unique index over {index.ToJson()} with shard key pattern {key.Pattern.ToJson()}");
        }
    }

    private BsonDocument Drop(CommandContext context)
    {
        var name = context.CollectionName();
        var ns = context.Database + "." + name;
        if (context.Database is "config" or "admin") return router.Config.RunChecked(context.Database, WithoutRouting(context), router.ClusterTime());
        var routing = router.Routing(ns);
        var members = routing != null ? router.Shards
            : router.PrimaryShard(context.Database, create: false) is { } primary ? [primary] : [];
        foreach (var shard in members)
        {
            // Dropping what does not exist succeeds through mongos from 7.0 on (drop is idempotent); a shard without the
            // collection answers NamespaceNotFound.
            var reply = router.Forward(context, shard, context.Database, WithoutRouting(context));
            if (reply.GetValue("ok", 0).ToDouble() != 1 && reply.GetValue("code", 0).ToInt32() != 26) throw ClusterMember.Failure(reply);
        }
        if (routing != null)
        {
            router.Catalog.Delete("chunks", new BsonDocument("uuid", routing.Uuid));
            router.Catalog.Delete("collections", new BsonDocument("_id", ns));
        }
        return new BsonDocument("ns", ns);
    }

    private BsonDocument DropDatabase(CommandContext context)
    {
        var database = context.Database;
        if (database is "config" or "admin" or "local") throw CommandFailure.IllegalOperation($"Cannot drop the '{database}' database through mongos");
        foreach (var shard in router.Shards) router.ForwardChecked(context, shard, database, WithoutRouting(context));
        foreach (var collection in router.Catalog.Find("collections", new BsonDocument("_id", new BsonRegularExpression("^" + System.Text.RegularExpressions.Regex.Escape(database) + "\\."))))
        {
            router.Catalog.Delete("chunks", new BsonDocument("uuid", collection["uuid"]));
            router.Catalog.Delete("collections", new BsonDocument("_id", collection["_id"]));
        }
        router.Catalog.Delete("databases", new BsonDocument("_id", database));
        return new BsonDocument("dropped", database);
    }

    /// <summary>
    /// renameCollection as the 7.0 mongos runs it: the source database must be known (cluster_rename_collection_cmd.cpp,
    /// the catalog cache's getDatabase: NamespaceNotFound "database X not found"), and the source's primary shard renames
    /// it (_shardsvrRenameCollection). Across databases its coordinator (rename_collection_coordinator.cpp through
    /// sharding_ddl_util.cpp checkDbPrimariesOnTheSameShard) first reads the target database, which must exist: it is not
    /// created implicitly (getDatabaseWithRefresh: NamespaceNotFound "database X not found"), and must have the same
    /// primary shard (CommandFailed, 125, "Source and destination collections must be on same shard"; 13137 with the
    /// same words in the router of 4.4 and before; 8.0's checkDatabaseRestrictions reads config.databases the same way).
    /// </summary>
    private BsonDocument RenameCollection(CommandContext context)
    {
        var from = context.CommandValue.AsString;
        var (database, _) = Storage.Catalog.SplitNamespace(from);
        if (router.Routing(from) is { } routing)
        {
            // A sharded collection stays in its database (rename_collection_coordinator.cpp, 7.0).
            if (context.Body.GetValue("to", BsonNull.Value) is BsonString target && Storage.Catalog.SplitNamespace(target.Value).Database != database)
                throw new CommandFailure(125, "CommandFailed", $"Source and destination collections must be on the same database because {from} is sharded.");
            return RenameSharded(context, from, routing);
        }
        var primary = router.PrimaryShard(database, create: false)
            ?? throw CommandFailure.NamespaceNotFound($"database {database} not found");
        if (context.Body.GetValue("to", BsonNull.Value) is BsonString to && Storage.Catalog.SplitNamespace(to.Value).Database is var toDatabase
            && toDatabase != database)
        {
            var toPrimary = router.PrimaryShard(toDatabase, create: false)
                ?? throw CommandFailure.NamespaceNotFound($"database {toDatabase} not found");
            if (toPrimary != primary) throw new CommandFailure(125, "CommandFailed", "Source and destination collections must be on same shard");
        }
        return router.ForwardChecked(context, primary, "admin", WithoutRouting(context));
    }

    /// <summary>
    /// A sharded collection renamed within its database, as the 7.0/8.0 rename coordinator does it
    /// (rename_collection_coordinator.cpp; its metadata step is renameCollectionMetadataInTransaction): every shard that
    /// holds the collection renames its own copy (the participants' local rename, within one database, keeping the UUID,
    /// so each shard's oplog logs a renameCollection), and the config server's entry moves with it in one step: the
    /// config.collections document is re-inserted under the new namespace with the same uuid, key and unique, a new
    /// lastmodEpoch and timestamp (renameTrackedCollectionStatement), the source's removed; config.chunks name the
    /// collection by uuid, so they follow unchanged; the zone ranges in config.tags take the new namespace
    /// (updateZonesStatement). A target that exists is NamespaceExists (48, "target namespace exists", as the
    /// participants' local rename answers) unless dropTarget, which this test server does not implement for a sharded
    /// source and refuses loudly.
    /// </summary>
    private BsonDocument RenameSharded(CommandContext context, string from, RoutingTable routing)
    {
        var to = context.Body.GetValue("to", BsonNull.Value) is BsonString target ? target.Value : throw CommandFailure.BadValue("'to' must be a string");
        var (database, toName) = Storage.Catalog.SplitNamespace(to);
        var name = Storage.Catalog.SplitNamespace(from).Collection;
        var holders = router.Shards.Where(shard => Holds(shard, database, name)).ToList();
        if (router.Routing(to) != null || router.Shards.Any(shard => Holds(shard, database, toName)))
        {
            if (context.BoolArgument("dropTarget")) throw MongosReadCommands.Unsupported("renameCollection of a sharded collection with dropTarget onto an existing collection");
            throw new CommandFailure(48, "NamespaceExists", "target namespace exists");
        }
        foreach (var shard in holders) router.ForwardChecked(context, shard, "admin", new BsonDocument { { "renameCollection", from }, { "to", to } });
        var entry = router.Catalog.Collection(from)!;
        var moved = new BsonDocument(entry) { ["_id"] = to, ["lastmodEpoch"] = ObjectId.GenerateNewId(), ["lastmod"] = new BsonDateTime(DateTime.UtcNow), ["timestamp"] = router.ClusterTime() };
        router.Catalog.Delete("collections", new BsonDocument("_id", from));
        router.Catalog.Insert("collections", moved);
        router.Catalog.Update("tags", new BsonDocument("ns", from), new BsonDocument("$set", new BsonDocument("ns", to)), multi: true);
        router.MarkSharded(database, toName, routing.Key.Pattern);
        return new BsonDocument();
    }

    /// <summary>Whether <paramref name="shard"/> has db.name in its own catalog.</summary>
    private bool Holds(ClusterMember shard, string database, string name) =>
        shard.Drain(database, new BsonDocument { { "listCollections", 1 }, { "filter", new BsonDocument("name", name) } }, new BsonDocument(), router.ClusterTime()).Count > 0;

    /// <summary>config and admin are the config server's; other databases their primary shard's (null when unknown).</summary>
    private ClusterMember? Member(string database) =>
        database is "config" or "admin" ? router.Config : router.PrimaryShard(database, create: false);

    private List<BsonDocument> DrainFrom(CommandContext context, ClusterMember member, BsonDocument command) =>
        member == router.Config
            ? member.Drain(context.Database, command, new BsonDocument(), router.ClusterTime())
            : router.Drain(context, member, context.Database, command);

    /// <summary>The client's command without what the router sets itself (session, transaction and gossip fields).</summary>
    public static BsonDocument WithoutRouting(CommandContext context) =>
        new(context.Body.Where(e => e.Name is not ("lsid" or "txnNumber" or "autocommit" or "startTransaction" or "readConcern" or "$db" or "$clusterTime" or "$readPreference")));
}
