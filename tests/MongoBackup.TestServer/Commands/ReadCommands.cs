using System.Diagnostics;
using MongoBackup.TestServer.Cursors;
using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// find, getMore (with tailable awaitData waits), killCursors, count and aggregate (the stages of
/// <see cref="AggregationPipeline"/>, after a leading $collStats or small $sample answered here). distinct is not served
/// (nothing this project runs sends it): it fails as an unknown command.
/// </summary>
internal sealed class ReadCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("find", Find);
        table.Add("getMore", GetMore);
        table.Add("killCursors", KillCursors);
        table.Add("count", Count);
        table.Add("aggregate", Aggregate);
    }

    private static BsonDocument Find(CommandContext context)
    {
        var name = context.CollectionName();
        var ns = context.Database + "." + name;
        PreImages.RefuseRead(ns);
        var filter = context.DocumentArgument("filter");
        var sort = context.DocumentArgument("sort");
        var projectionSpec = context.DocumentArgument("projection");
        var hint = context.Body.GetValue("hint", BsonNull.Value);
        var skip = context.LongArgument("skip");
        var limit = context.LongArgument("limit");
        var singleBatch = context.BoolArgument("singleBatch");
        if (skip < 0) throw CommandFailure.BadValue("skip value must be non-negative");
        if (limit < 0)
        {
            limit = -limit;
            singleBatch = true;
        }
        var batchSize = (int)context.LongArgument("batchSize", CursorReplies.DefaultFirstBatchSize);
        if (batchSize < 0) throw CommandFailure.BadValue("batchSize value must be non-negative");
        if (limit > 0 && batchSize > limit) batchSize = (int)limit;
        var tailable = context.BoolArgument("tailable");
        var awaitData = context.BoolArgument("awaitData");

        var collection = context.Server.Catalog.Find(context.Database, name);
        var collation = CollationKeys.Effective(context.Body.GetValue("collation", null), collection);
        if (collection == null)
            return CursorReplies.Reply("firstBatch", new List<BsonDocument>(), 0, ns);
        if (tailable && !collection.IsCapped)
            throw CommandFailure.BadValue($"error processing query: ns={ns} tailable cursor requested on non capped collection");

        var filterOrNull = filter.ElementCount == 0 ? null : DocumentFilter.Parse(filter, collation);
        var projection = projectionSpec.ElementCount == 0 ? null : Projection.Parse(projectionSpec);
        var natural = NaturalDirection(sort) ?? (hint is BsonDocument h ? NaturalDirection(h) : null);
        var sortsOnFields = sort.ElementCount > 0 && NaturalDirection(sort) == null;
        var min = context.DocumentArgument("min");
        var max = context.DocumentArgument("max");

        ServerCursor cursor;
        // The _id index is in the collection's collation: a find in another one sorts on its own.
        var idDirection = ReferenceEquals(collation, collection.Order) ? IdSortDirection(sort, hint, min, max) : null;
        if (collection.Kind == CollectionKind.Collection && idDirection != null)
        {
            // min/max are index bounds: unlike $gte/$lt they are not limited to the bound's own type.
            cursor = new IdOrderCursor(collection, filter, projection, idDirection < 0, skip, limit,
                min.GetValue("_id", null), max.GetValue("_id", null), context.Transaction);
        }
        else if (collection.Kind != CollectionKind.Collection || sortsOnFields || min.ElementCount > 0 || max.ElementCount > 0)
        {
            IEnumerable<BsonDocument> documents = Source(context, collection);
            if (min.ElementCount > 0 || max.ElementCount > 0) documents = WithinBounds(documents, min, max, hint, collation);
            if (filterOrNull != null) documents = documents.Where(filterOrNull.Matches);
            if (sortsOnFields) documents = documents.OrderBy(d => d, SortOrder.Parse(sort, collation));
            else if (min.ElementCount > 0 || max.ElementCount > 0) documents = documents.OrderBy(d => d, SortOrder.Parse(BoundsKey(min, max, hint), collation));
            if (skip > 0) documents = documents.Skip((int)skip);
            if (limit > 0) documents = documents.Take((int)limit);
            if (projection != null) documents = documents.Select(projection.Apply);
            cursor = new ListCursor(ns, documents.ToList());
        }
        else
        {
            var startAfter = natural != -1 && ReferenceEquals(collection, context.Server.Oplog?.Collection) ? OplogStart(collection, filter) : 0;
            cursor = new CollectionScanCursor(collection, filterOrNull, projection, natural != -1, skip, limit, startAfter, context.Transaction)
            {
                IsTailable = tailable,
                IsAwaitData = tailable && awaitData,
                FilterInput = FilterInput.For(filter),
            };
        }
        return CursorReplies.First(context, cursor, batchSize, singleBatch);
    }

    /// <summary>The documents of a collection, of a view (its pipeline run over its source), or of a time-series collection.</summary>
    public static IEnumerable<BsonDocument> Source(CommandContext context, Collection collection, int depth = 0)
    {
        switch (collection.Kind)
        {
            case CollectionKind.View:
            {
                if (depth > 20) throw new CommandFailure(40, "ViewDepthLimitExceeded", "View depth too deep or view cycle detected");
                var source = context.Server.Catalog.Find(collection.Database, collection.Options["viewOn"].AsString);
                var input = source == null ? Enumerable.Empty<BsonDocument>() : Source(context, source, depth + 1);
                // A view's pipeline runs under the view's default collation (views/view.h: a view's collation is its own).
                return AggregationPipeline.Parse(collection.Options["pipeline"].AsBsonArray, collection.Order).Run(input);
            }
            case CollectionKind.Timeseries:
            {
                var buckets = context.Server.Catalog.Find(collection.Database, "system.buckets." + collection.Name);
                return buckets == null ? Enumerable.Empty<BsonDocument>()
                    : VisibleRecords.Documents(buckets, context.Transaction).SelectMany(b => TimeseriesBuckets.Unpack(b, MetaFieldOf(collection)));
            }
            default:
                return VisibleRecords.Documents(collection, context.Transaction);
        }
    }

    /// <summary>
    /// The oplog is in ts order, so a {ts: {$gt|$gte: T}} filter (how backups tail it) starts the scan by binary search
    /// instead of parsing every older entry. The filter is still applied to each entry returned.
    /// </summary>
    private static long OplogStart(Collection oplog, BsonDocument filter)
    {
        if (!filter.TryGetValue("ts", out var condition) || condition is not BsonDocument range) return 0;
        BsonTimestamp? bound = null;
        var inclusive = false;
        if (range.TryGetValue("$gte", out var gte) && gte is BsonTimestamp g) (bound, inclusive) = (g, true);
        else if (range.TryGetValue("$gt", out var gt) && gt is BsonTimestamp t) bound = t;
        if (bound == null) return 0;
        return oplog.Records.IdBeforeFirst(bytes =>
        {
            var ts = new StoredBsonDocument(bytes).GetValue("ts", BsonNull.Value);
            if (ts is not BsonTimestamp entryTs) return false;
            var order = entryTs.CompareTo(bound);
            return inclusive ? order >= 0 : order > 0;
        });
    }

    private static string? MetaFieldOf(Collection timeseries) =>
        timeseries.Options["timeseries"].AsBsonDocument.TryGetValue("metaField", out var meta) && meta.IsString ? meta.AsString : null;

    /// <summary>1 or -1 when the find walks the _id index: sort {_id: ±1}, or min/max bounds on a hint of {_id: ±1}.</summary>
    private static int? IdSortDirection(BsonDocument sort, BsonValue hint, BsonDocument min, BsonDocument max)
    {
        static int? IdKey(BsonDocument spec) =>
            spec.ElementCount == 1 && spec.GetElement(0).Name == "_id" && spec[0].IsNumeric ? (spec[0].ToDouble() < 0 ? -1 : 1) : null;
        if (sort.ElementCount > 0) return IdKey(sort);
        if ((min.ElementCount > 0 || max.ElementCount > 0) && hint is BsonDocument h) return IdKey(h) is null ? null : 1;
        return null;
    }

    /// <summary>min (inclusive) and max (exclusive) on _id as filter conditions.</summary>
    private static int? NaturalDirection(BsonDocument spec) =>
        spec.ElementCount == 1 && spec.GetElement(0).Name == "$natural" ? (spec[0].ToInt32() < 0 ? -1 : 1) : null;

    private static BsonDocument BoundsKey(BsonDocument min, BsonDocument max, BsonValue hint) =>
        hint as BsonDocument ?? (min.ElementCount > 0 ? min : max);

    private static IEnumerable<BsonDocument> WithinBounds(IEnumerable<BsonDocument> documents, BsonDocument min, BsonDocument max, BsonValue hint, BsonValueOrder collation)
    {
        if (hint is not BsonDocument)
            throw CommandFailure.BadValue("min and max require a hint naming the index to bound");
        var key = BoundsKey(min, max, hint);
        var order = SortOrder.Parse(key, collation);
        var lower = min.ElementCount > 0 ? KeyDocument(min, key) : null;
        var upper = max.ElementCount > 0 ? KeyDocument(max, key) : null;
        return documents.Where(d =>
        {
            var projected = KeyDocument(d, key);
            return (lower == null || order.Compare(projected, lower) >= 0) && (upper == null || order.Compare(projected, upper) < 0);
        });
    }

    private static BsonDocument KeyDocument(BsonDocument document, BsonDocument key)
    {
        var projected = new BsonDocument();
        foreach (var field in key)
            projected.Add(field.Name, DocumentPath.Get(document, field.Name) ?? BsonNull.Value);
        return projected;
    }

    private static BsonDocument GetMore(CommandContext context)
    {
        var id = context.CommandValue.ToInt64();
        var cursor = context.Server.Cursors.Find(id) ?? throw CommandFailure.CursorNotFound(id);
        // A cursor answers only getMores naming its namespace (db/commands/getmore_cmd.cpp, validateNamespace); the cursor lives on.
        var requested = context.Database + "." + context.Body.GetValue("collection", "").AsString;
        if (requested != cursor.Namespace)
            throw CommandFailure.Unauthorized($"Requested getMore on namespace '{requested}', but cursor belongs to a different namespace {cursor.Namespace}");
        var batchSize = (int)context.LongArgument("batchSize", 0);
        try
        {
            return NextBatch(context, cursor, id, batchSize);
        }
        catch (CommandFailure)
        {
            context.Server.Cursors.Kill(id);
            throw;
        }
    }

    private static BsonDocument NextBatch(CommandContext context, ServerCursor cursor, long id, int batchSize)
    {
        var batch = cursor.NextBatch(batchSize);
        if (batch.Count == 0 && cursor.IsAwaitData && !cursor.IsExhausted)
        {
            // Sleep without the data lock until a write is signalled (every oplog append is), up to maxTimeMS; no polling.
            // The version is read under the exclusive lock, so no write can slip in unseen before the wait.
            var wait = Stopwatch.StartNew();
            var maxWait = context.LongArgument("maxTimeMS", 1000);
            while (batch.Count == 0 && wait.ElapsedMilliseconds < maxWait)
            {
                var dataLock = context.Server.Catalog.Lock;
                dataLock.WaitForWrite(dataLock.WriteVersion, TimeSpan.FromMilliseconds(maxWait - wait.ElapsedMilliseconds));
                if (context.Server.Cursors.Find(id) == null) throw CommandFailure.CursorNotFound(id);
                batch = cursor.NextBatch(batchSize);
            }
        }
        if (cursor.IsExhausted) context.Server.Cursors.Kill(id);
        return CursorReplies.Reply("nextBatch", batch, cursor.IsExhausted ? 0 : id, cursor.Namespace);
    }

    private static BsonDocument KillCursors(CommandContext context)
    {
        var killed = new BsonArray();
        var notFound = new BsonArray();
        if (context.Body.GetValue("cursors", new BsonArray()) is BsonArray ids)
            foreach (var id in ids)
                (context.Server.Cursors.Kill(id.ToInt64()) ? killed : notFound).Add(id);
        context.Server.Catalog.Lock.NotifyWrite(); // a getMore awaiting data on a killed cursor returns now
        return new BsonDocument
        {
            { "cursorsKilled", killed }, { "cursorsNotFound", notFound }, { "cursorsAlive", new BsonArray() }, { "cursorsUnknown", new BsonArray() },
        };
    }

    private static BsonDocument Count(CommandContext context)
    {
        var collection = context.Server.Catalog.Find(context.Database, context.CollectionName());
        if (collection == null) return new BsonDocument("n", 0);
        var query = context.DocumentArgument("query");
        var skip = context.LongArgument("skip");
        var limit = Math.Abs(context.LongArgument("limit"));
        long n;
        if (query.ElementCount == 0 && collection.Kind == CollectionKind.Collection) n = VisibleRecords.Count(collection, context.Transaction);
        else if (query.ElementCount == 0 && collection.Kind == CollectionKind.Timeseries) n = TimeseriesCount.Of(context, collection);
        else
        {
            var filter = DocumentFilter.Parse(query, CollationKeys.Effective(context.Body.GetValue("collation", null), collection));
            n = Source(context, collection).LongCount(filter.Matches);
        }
        n = Math.Max(0, n - skip);
        if (limit > 0) n = Math.Min(n, limit);
        return new BsonDocument("n", (int)n);
    }

    private static BsonDocument Aggregate(CommandContext context)
    {
        var pipeline = context.Body.GetValue("pipeline", BsonNull.Value) as BsonArray
            ?? throw CommandFailure.TypeMismatch("'pipeline' option must be specified as an array");
        if (!context.Body.Contains("cursor") && !context.BoolArgument("explain"))
            throw new CommandFailure(9, "FailedToParse", "The 'cursor' option is required, except for aggregate with the explain argument");
        var target = context.CommandValue;
        string ns;
        IEnumerable<BsonDocument> input;
        var collation = CollationKeys.Effective(context.Body.GetValue("collation", null), null);
        if (target.IsString)
        {
            PreImages.RefuseRead(context.Database + "." + target.AsString);
            ns = context.Database + "." + target.AsString;
            var collection = context.Server.Catalog.Find(context.Database, target.AsString);
            collation = CollationKeys.Effective(context.Body.GetValue("collation", null), collection);
            if (pipeline.Count > 0 && pipeline[0] is BsonDocument first && first.ElementCount == 1 && first.GetElement(0).Name == "$collStats")
            {
                if (collection == null) throw CommandFailure.NamespaceNotFound($"Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [{ns}] not found.");
                input = new[] { CollStatsDocument(collection, first[0].AsBsonDocument) };
                pipeline = new BsonArray(pipeline.Skip(1));
            }
            else if (collection is { Kind: CollectionKind.Collection, Uncommitted.IsEmpty: true } && SmallSampleSize(pipeline.Count > 0 ? pipeline[0] as BsonDocument : null, collection) is { } size)
            {
                // A small $sample reads random records only, as MongoDB's random cursor does (readers use it to pick split points).
                input = collection.Records.Sample(size, Random.Shared).Select(Collection.Parse).ToList();
                pipeline = new BsonArray(pipeline.Skip(1));
            }
            else if (collection is { Kind: CollectionKind.Timeseries } && TimeseriesCount.WholeCountGroup(pipeline) is var (id, name))
            {
                // countDocuments on a time-series collection: its buckets' measurement counts (compressed ones too).
                var n = TimeseriesCount.Of(context, collection);
                // $sum of int 1s stays an int while it fits, as MongoDB's does.
                input = n == 0 ? [] : [new BsonDocument { { "_id", id }, { name, n <= int.MaxValue ? new BsonInt32((int)n) : new BsonInt64(n) } }];
                pipeline = [];
            }
            else
            {
                input = collection == null ? Enumerable.Empty<BsonDocument>() : Source(context, collection);
            }
        }
        else
        {
            ns = context.Database + ".$cmd.aggregate";
            input = Enumerable.Empty<BsonDocument>();
        }
        var results = AggregationPipeline.Parse(pipeline, collation).Run(input).ToList();
        return CursorReplies.First(context, new ListCursor(ns, results), CursorReplies.BatchSizeOf(context));
    }

    /// <summary>The size of a leading {$sample: {size}} that asks for under 5% of the collection (MongoDB's rule for its random cursor).</summary>
    private static int? SmallSampleSize(BsonDocument? first, Collection collection)
    {
        if (first is not { ElementCount: 1 } || first.GetElement(0).Name != "$sample" || first[0] is not BsonDocument spec) return null;
        if (!spec.TryGetValue("size", out var size) || !size.IsNumeric) return null;
        var wanted = size.ToInt64();
        return wanted > 0 && wanted < collection.Records.Count * 0.05 ? (int)wanted : null;
    }

    private static BsonDocument CollStatsDocument(Collection collection, BsonDocument spec)
    {
        var stats = CatalogCommands.StatsOf(collection);
        var document = new BsonDocument { { "ns", collection.Namespace }, { "host", "127.0.0.1" }, { "localTime", new BsonDateTime(DateTime.UtcNow) } };
        if (spec.Contains("storageStats")) document.Add("storageStats", stats);
        if (spec.Contains("count")) document.Add("count", stats["count"]);
        document.Add("count", stats["count"], !document.Contains("count"));
        document.Add("size", stats["size"]);
        if (!document.Contains("storageStats")) document.Add("storageStats", stats);
        return document;
    }
}
