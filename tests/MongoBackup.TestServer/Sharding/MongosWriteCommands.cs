using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// insert, update and delete through mongos (findAndModify is not served through mongos: it fails as an unknown command) (s/write_ops/batch_write_exec.cpp and chunk_manager_targeter.cpp,
/// in effect): each document goes to the shard owning its shard key (a collection not sharded: the database's primary
/// shard, the database created implicitly); an update or delete whose filter fixes the whole shard key goes to its owner,
/// a multi one to every shard owning chunks, a single one to each in turn until one matches (as 7.0 targets a
/// write without shard key). Replies merge n, nModified, upserted and writeErrors with the client's indexes; stmtIds
/// keep the client's statement numbers. An upsert whose filter does not fix the shard key fails with ShardKeyNotFound
/// (61) as mongos fails it; an update that would change a document's shard key is refused.
/// </summary>
internal sealed class MongosWriteCommands(ClusterRouter router) : ICommandGroup
{
    private static readonly HashSet<string> RoutedFields =
        ["insert", "update", "delete", "documents", "updates", "deletes", "lsid", "txnNumber", "autocommit", "startTransaction",
         "readConcern", "$db", "$clusterTime", "stmtId", "stmtIds", "$readPreference"];

    public void Register(CommandTable table)
    {
        table.Add("insert", Insert);
        table.Add("update", Update);
        table.Add("delete", Delete);
    }

    private BsonDocument Insert(CommandContext context)
    {
        if (ConfigWrite(context) is { } forwarded) return forwarded;
        var name = context.CollectionName();
        var documents = context.Body.GetValue("documents", new BsonArray()).AsBsonArray;
        var ordered = context.BoolArgument("ordered", true);
        var routing = router.Routing(context.Database + "." + name);
        var primary = routing == null ? router.PrimaryShard(context.Database, create: true) : null;
        var runs = new List<(ClusterMember Shard, List<int> Indexes)>();
        for (var i = 0; i < documents.Count; i++)
        {
            var shard = primary ?? router.Shard(routing!.ShardFor(routing.Key.KeyOf(documents[i].AsBsonDocument)));
            if (runs.Count == 0 || runs[^1].Shard != shard) runs.Add((shard, new List<int>()));
            runs[^1].Indexes.Add(i);
        }
        var merged = new MergedWriteReply();
        foreach (var (shard, indexes) in runs)
        {
            var command = Options(context, "insert", name).Add("documents", new BsonArray(indexes.Select(i => documents[i])));
            merged.Add(Send(context, shard, command, indexes), indexes);
            if (ordered && merged.HasErrors) break;
        }
        return merged.ToReply();
    }

    private BsonDocument Update(CommandContext context) => RunStatements(context, "update", "updates", statement => (
        statement.GetValue("multi", false).ToBoolean(), statement.GetValue("upsert", false).ToBoolean(), statement.GetValue("u", new BsonDocument())));

    private BsonDocument Delete(CommandContext context) => RunStatements(context, "delete", "deletes", statement => (
        statement.GetValue("limit", 0).ToInt32() == 0, false, null));

    /// <summary>An update or delete: each statement routed on its own (see <see cref="Targets"/>), the replies merged.</summary>
    private BsonDocument RunStatements(CommandContext context, string command, string list,
        Func<BsonDocument, (bool Multi, bool Upsert, BsonValue? Update)> read)
    {
        if (ConfigWrite(context) is { } forwarded) return forwarded;
        var name = context.CollectionName();
        var statements = context.Body.GetValue(list, new BsonArray()).AsBsonArray;
        var ordered = context.BoolArgument("ordered", true);
        var routing = router.Routing(context.Database + "." + name);
        var collectionCollation = routing == null ? BsonValueOrder.Instance : RoutedCollation.DefaultOf(router, context.Database, name);
        var merged = new MergedWriteReply();
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i].AsBsonDocument;
            var filter = statement.GetValue("q", new BsonDocument()).AsBsonDocument;
            var (multi, upsert, update) = read(statement);
            var single = Options(context, command, name).Add(list, new BsonArray { statement });
            // The statement goes to the shards as it came; its collation (else the collection's) decides the targeting.
            var collation = routing == null ? BsonValueOrder.Instance
                : statement.TryGetValue("collation", out var own) ? CollationKeys.OrderOf(own) : collectionCollation;
            if (Targets(context, routing, filter, multi, upsert, i, merged, update, collation) is { } targets)
                merged.Add(SendToTargets(context, targets, multi, single, i), [i]);
            if (ordered && merged.HasErrors) break;
        }
        return merged.ToReply();
    }

    /// <summary>
    /// The shards statement <paramref name="index"/> goes to; null when it cannot be routed, its failure then a write
    /// error of the reply (mongos reports targeting errors per statement).
    /// </summary>
    private IEnumerable<ClusterMember>? Targets(CommandContext context, RoutingTable? routing, BsonDocument filter, bool multi, bool upsert,
        int index, MergedWriteReply merged, BsonValue? update, BsonValueOrder collation)
    {
        try
        {
            if (routing != null && update != null) RejectShardKeyChange(routing, filter, update);
            return WriteTargets(context, routing, filter, multi, upsert, collation);
        }
        catch (CommandFailure failure)
        {
            merged.AddError(index, failure);
            return null;
        }
    }

    private BsonDocument SendToTargets(CommandContext context, IEnumerable<ClusterMember> targets, bool multi, BsonDocument command, int index)
    {
        var total = new MergedWriteReply();
        foreach (var shard in targets)
        {
            total.Add(Send(context, shard, command, [index]), [0]);
            if (!multi && total.N > 0) break;
        }
        return total.ToReply();
    }

    private List<ClusterMember> WriteTargets(CommandContext context, RoutingTable? routing, BsonDocument filter, bool multi, bool upsert, BsonValueOrder collation)
    {
        if (routing == null) return [router.PrimaryShard(context.Database, create: true)!];
        if (routing.Key.ExactKeyOf(filter) is { } key)
        {
            if (RoutedCollation.BlockingField(collation, key) is not { } field) return [router.Shard(routing.ShardFor(key))];
            if (upsert) throw RoutedCollation.UpsertNotTargetable(field, context.Database + "." + context.CollectionName());
        }
        if (upsert)
            throw new CommandFailure(61, "ShardKeyNotFound",
                $"Failed to target upsert by query :: could not extract exact shard key from query {filter.ToJson()}");
        return routing.Shards.Select(router.Shard).ToList();
    }

    /// <summary>Sends a write to a shard with the client's statement ids for <paramref name="indexes"/>; the reply, failures included.</summary>
    private BsonDocument Send(CommandContext context, ClusterMember shard, BsonDocument command, IReadOnlyList<int>? indexes)
    {
        if (indexes != null && context.Body.Contains("txnNumber"))
            command["stmtIds"] = new BsonArray(indexes.Select(context.StatementId));
        var reply = router.Forward(context, shard, context.Database, command);
        if (context.Body.TryGetValue("autocommit", out var autocommit) && !autocommit.ToBoolean()) router.Transactions.Of(context).MarkWrite(shard.Name);
        return reply;
    }

    /// <summary>The command's own options (ordered, bypassDocumentValidation, comment, let...) under its name.</summary>
    private static BsonDocument Options(CommandContext context, string command, string name) =>
        new BsonDocument(command, name).AddRange(context.Body.Where(e => !RoutedFields.Contains(e.Name)));

    /// <summary>Writes to config and admin go to the config server as they are; local is refused.</summary>
    private BsonDocument? ConfigWrite(CommandContext context)
    {
        if (context.Database == "local") throw CommandFailure.IllegalOperation("can't use 'local' database through mongos");
        if (context.Database is not ("config" or "admin")) return null;
        var body = new BsonDocument(context.Body.Where(e => e.Name is not ("$db" or "$clusterTime")));
        var reply = router.Config.Run(context.Database, body, router.ClusterTime());
        return reply.GetValue("ok", 0).ToDouble() == 1 ? reply : throw ClusterMember.Failure(reply);
    }

    /// <summary>
    /// Refuses an update that would move a document to another shard: a modifier naming a shard key field, a replacement
    /// whose key differs from the one the filter fixes, a pipeline update (7.0 moves such documents with WouldChangeOwningShard
    /// inside a transaction; this server does not).
    /// </summary>
    private static void RejectShardKeyChange(RoutingTable routing, BsonDocument filter, BsonValue update)
    {
        if (update is BsonArray) throw MongosReadCommands.Unsupported("pipeline updates of a sharded collection");
        var spec = update.AsBsonDocument;
        if (spec.ElementCount > 0 && spec.GetElement(0).Name.StartsWith('$'))
        {
            foreach (var field in spec.Values.OfType<BsonDocument>().SelectMany(d => d.Names))
                if (routing.Key.Touches(field)) throw MongosReadCommands.Unsupported($"updates that set a shard key field ('{field}')");
            return;
        }
        var fixedKey = routing.Key.ExactKeyOf(filter);
        if (fixedKey == null || !fixedKey.Equals(routing.Key.KeyOf(spec)))
            throw MongosReadCommands.Unsupported("replacements whose shard key is not the one their filter fixes");
    }
}
