using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Cursors;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// find, count and aggregate through mongos (s/query/cluster_find.cpp, cluster_count_cmd.h, cluster_aggregate.cpp, in
/// effect): sent to the shard that owns the key a filter fixes, else to every shard owning chunks (or the database's
/// primary shard for an unsharded collection); each shard returns only the documents of chunks it owns, as a versioned
/// read's SHARDING_FILTER stage leaves out orphans (a count without a predicate is the exception: it counts every
/// document the shards hold, orphans included, as the manual's count page warns); the results merge on the router, which sorts, skips, limits, projects and
/// runs the aggregation pipeline over them, and serves them from a cursor of its own (getMore and killCursors are the
/// mongod ones, over the router's cursors). The config and admin databases are the config server's; local is refused
/// as mongos refuses it. Options the merge cannot honour are refused.
/// </summary>
internal sealed class MongosReadCommands(ClusterRouter router) : ICommandGroup
{
    private static readonly string[] RefusedFindOptions = ["min", "max", "tailable", "awaitData", "collation", "returnKey", "showRecordId", "allowPartialResults", "explain"];

    public void Register(CommandTable table)
    {
        table.Add("find", Find);
        table.Add("count", Count);
        table.Add("aggregate", Aggregate);
    }

    private BsonDocument Find(CommandContext context)
    {
        foreach (var option in RefusedFindOptions)
            if (context.Body.Contains(option)) throw Unsupported($"find with '{option}'");
        var name = context.CollectionName();
        var filter = context.DocumentArgument("filter");
        var skip = context.LongArgument("skip");
        var limit = context.LongArgument("limit");
        var singleBatch = context.BoolArgument("singleBatch") || limit < 0;
        limit = Math.Abs(limit);
        if (skip < 0) throw CommandFailure.BadValue("skip value must be non-negative");
        var collation = RoutedCollation.DefaultOf(router, context.Database, name);
        IEnumerable<BsonDocument> documents = Gather(context, name, filter, collation);
        var sort = context.DocumentArgument("sort");
        if (sort.ElementCount > 0 && !sort.Names.All(n => n == "$natural")) documents = SortOrder.Parse(sort, collation).Sort(documents);
        documents = documents.Skip((int)skip);
        if (limit > 0) documents = documents.Take((int)limit);
        var projection = context.DocumentArgument("projection");
        if (projection.ElementCount > 0)
        {
            var parsed = Projection.Parse(projection);
            documents = documents.Select(parsed.Apply);
        }
        var batchSize = (int)context.LongArgument("batchSize", CursorReplies.DefaultFirstBatchSize);
        if (limit > 0 && batchSize > limit) batchSize = (int)limit;
        return CursorReplies.First(context, new ListCursor(context.Database + "." + name, documents.ToList()), batchSize, singleBatch);
    }

    private BsonDocument Count(CommandContext context)
    {
        if (context.Body.Contains("collation")) throw Unsupported("count with 'collation'");
        var name = context.CollectionName();
        var query = context.DocumentArgument("query");
        var n = (long)Gather(context, name, query, RoutedCollation.DefaultOf(router, context.Database, name), ownedOnly: query.ElementCount > 0).Count;
        n = Math.Max(0, n - context.LongArgument("skip"));
        var limit = Math.Abs(context.LongArgument("limit"));
        if (limit > 0) n = Math.Min(n, limit);
        return new BsonDocument("n", (int)n);
    }

    private BsonDocument Aggregate(CommandContext context)
    {
        var pipeline = context.Body.GetValue("pipeline", BsonNull.Value) as BsonArray
            ?? throw CommandFailure.TypeMismatch("'pipeline' option must be specified as an array");
        if (!context.Body.Contains("cursor")) throw Unsupported("aggregate without a cursor (explain)");
        if (context.Body.Contains("collation")) throw Unsupported("aggregate with 'collation'");
        if (!context.CommandValue.IsString) throw Unsupported("database-level aggregate ({aggregate: 1})");
        var name = context.CommandValue.AsString;
        var leadingMatch = pipeline.Count > 0 && pipeline[0] is BsonDocument { ElementCount: 1 } first && first.GetElement(0).Name == "$match"
            ? first[0].AsBsonDocument : new BsonDocument();
        var collation = RoutedCollation.DefaultOf(router, context.Database, name);
        var parsed = AggregationPipeline.Parse(pipeline, collation);
        var results = parsed.Run(Gather(context, name, leadingMatch, collation)).ToList();
        return CursorReplies.First(context, new ListCursor(context.Database + "." + name, results), CursorReplies.BatchSizeOf(context));
    }

    /// <summary>The documents of db.name matching <paramref name="filter"/> (under the collection's <paramref name="collation"/>) on every shard the filter may reach.</summary>
    private List<BsonDocument> Gather(CommandContext context, string name, BsonDocument filter, BsonValueOrder collation, bool ownedOnly = true)
    {
        var find = new BsonDocument { { "find", name }, { "filter", filter } };
        if (context.Body.TryGetValue("hint", out var hint)) find.Add("hint", hint);
        var routing = ownedOnly ? router.Routing(context.Database + "." + name) : null;
        var documents = new List<BsonDocument>();
        foreach (var shard in ReadTargets(router, context.Database, name, filter, collation))
        {
            var found = shard == router.Config
                ? shard.Drain(context.Database, find, new BsonDocument(), router.ClusterTime())
                : router.Drain(context, shard, context.Database, find);
            documents.AddRange(routing is null ? found : found.Where(d => routing.ShardFor(routing.Key.KeyOf(d)) == shard.Name));
        }
        return documents;
    }

    /// <summary>The members a read of db.name with this filter goes to (none for a database the cluster does not know).</summary>
    public static IEnumerable<ClusterMember> ReadTargets(ClusterRouter router, string database, string name, BsonDocument filter, BsonValueOrder collation)
    {
        if (database == "local") throw CommandFailure.IllegalOperation("can't use 'local' database through mongos");
        if (database is "config" or "admin") return [router.Config];
        if (router.Routing(database + "." + name) is { } routing)
            return routing.Key.ExactKeyOf(filter) is { } key && RoutedCollation.Targets(collation, key)
                ? [router.Shard(routing.ShardFor(key))]
                : routing.Shards.Select(router.Shard).ToList();
        return router.PrimaryShard(database, create: false) is { } primary ? [primary] : [];
    }

    public static CommandFailure Unsupported(string what) =>
        new(59, "CommandNotFound", $"the in-memory test server's mongos does not implement {what}");
}
