using MongoBackup.TestServer.Cursors;
using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Databases, collections, views and indexes: listDatabases, listCollections, listIndexes, create, createIndexes,
/// dropIndexes, drop, dropDatabase, renameCollection, dbStats, collStats (collMod is <see cref="CollModCommand"/>).
/// </summary>
internal sealed class CatalogCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("listDatabases", ListDatabases);
        table.Add("listCollections", ListCollections);
        table.Add("listIndexes", ListIndexes);
        table.Add("create", Create);
        table.Add("createIndexes", CreateIndexes);
        table.Add("dropIndexes", DropIndexes);
        table.Add("deleteIndexes", DropIndexes);
        table.Add("drop", Drop);
        table.Add("dropDatabase", DropDatabase);
        table.Add("renameCollection", RenameCollection);
        table.Add("collMod", CollModCommand.Run);
        table.Add("convertToCapped", ConvertToCapped);
        table.Add("dbStats", DbStats);
        table.Add("collStats", CollStats);
    }

    public static Collection RequireCollection(CommandContext context, string name) =>
        context.Server.Catalog.Find(context.Database, name)
        ?? throw CommandFailure.NamespaceNotFound($"ns does not exist: {context.Database}.{name}");

    private static BsonDocument ListDatabases(CommandContext context)
    {
        var catalog = context.Server.Catalog;
        var filter = DocumentFilter.Parse(context.DocumentArgument("filter"));
        var nameOnly = context.BoolArgument("nameOnly");
        var databases = new BsonArray();
        long total = 0;
        foreach (var name in catalog.DatabaseNames)
        {
            var size = catalog.CollectionsOf(name).Sum(c => c.Records.TotalBytes);
            var entry = new BsonDocument { { "name", name }, { "sizeOnDisk", size }, { "empty", size == 0 } };
            if (!filter.Matches(entry)) continue;
            total += size;
            databases.Add(nameOnly ? new BsonDocument("name", name) : entry);
        }
        var reply = new BsonDocument("databases", databases);
        if (!nameOnly) reply.Add("totalSize", total).Add("totalSizeMb", total / (1024 * 1024));
        return reply;
    }

    /// <summary>The listCollections entry MongoDB 7.0 reports for a collection, view or time-series collection.</summary>
    public static BsonDocument Describe(Collection collection)
    {
        var uuid = DocumentWriter.UuidOf(collection);
        return collection.Kind switch
        {
            CollectionKind.View => new BsonDocument
            {
                { "name", collection.Name }, { "type", "view" }, { "options", collection.Options },
                { "info", new BsonDocument("readOnly", true) },
            },
            CollectionKind.Timeseries => new BsonDocument
            {
                { "name", collection.Name }, { "type", "timeseries" }, { "options", collection.Options },
                { "info", new BsonDocument("readOnly", false) },
            },
            _ => WithIdIndex(new BsonDocument
            {
                { "name", collection.Name }, { "type", "collection" }, { "options", collection.Options },
                { "info", new BsonDocument { { "readOnly", false }, { "uuid", uuid } } },
            }, collection),
        };
    }

    private static BsonDocument WithIdIndex(BsonDocument entry, Collection collection)
    {
        var idIndex = collection.Indexes.FirstOrDefault(i => i.IsIdIndex);
        if (idIndex != null && !collection.IsClustered && !(collection.Options.TryGetValue("autoIndexId", out var auto) && !auto.ToBoolean()))
            entry.Add("idIndex", idIndex.Spec);
        return entry;
    }

    private static BsonDocument ListCollections(CommandContext context)
    {
        var filter = DocumentFilter.Parse(context.DocumentArgument("filter"));
        var nameOnly = context.BoolArgument("nameOnly");
        var entries = new List<BsonDocument>();
        foreach (var collection in context.Server.Catalog.CollectionsOf(context.Database))
        {
            var entry = Describe(collection);
            if (!filter.Matches(entry)) continue;
            entries.Add(nameOnly ? new BsonDocument { { "name", entry["name"] }, { "type", entry["type"] } } : entry);
        }
        var cursor = new ListCursor(context.Database + ".$cmd.listCollections", entries);
        return CursorReplies.First(context, cursor, CursorReplies.BatchSizeOf(context));
    }

    private static BsonDocument ListIndexes(CommandContext context)
    {
        var collection = RequireCollection(context, context.CollectionName());
        if (collection.Kind == CollectionKind.View)
            throw new CommandFailure(166, "CommandNotSupportedOnView", $"Namespace {collection.Namespace} is a view, not a collection");
        var specs = collection.Kind == CollectionKind.Timeseries
            ? (BucketsOf(context, collection)?.Indexes ?? []).Select(i => TimeseriesIndexSpecs.ToUserSpec(i.Spec)).OfType<BsonDocument>().ToList()
            : collection.Indexes.Select(i => i.Spec).ToList();
        var cursor = new ListCursor(context.Database + ".$cmd.listIndexes." + collection.Name, specs);
        return CursorReplies.First(context, cursor, CursorReplies.BatchSizeOf(context));
    }

    private static BsonDocument Create(CommandContext context)
    {
        var name = context.CollectionName();
        var options = new BsonDocument();
        // The body's shape is checked before (Parsing/AdminShapes); idIndex is not an option: the _id index is built as
        // the options say.
        foreach (var element in context.Body.Skip(1))
            if (!GenericArguments.IsGeneric(element.Name) && element.Name != "idIndex") options.Add(element);
        // A default collation is checked as an index's is (indexes inherit it): malformed or not implemented is refused.
        if (options.TryGetValue("collation", out var collation)) CollationKeys.For(new BsonDocument("collation", collation));
        // create_collection.cpp (CmdCreate::typedRun): without a clustered index, size or max need capped true.
        if (!options.Contains("clusteredIndex") && (options.Contains("size") || options.Contains("max")) &&
            !(options.TryGetValue("capped", out var capped) && capped.ToBoolean()))
            throw CommandFailure.InvalidOptions("the 'capped' field needs to be true when either the 'size' or 'max' fields are present");
        context.Server.CatalogWriter.Create(context.Database, name, options, context.Writes);
        return new BsonDocument();
    }

    /// <summary>
    /// convertToCapped {convertToCapped: coll, size}: db/commands/collection_to_capped.cpp reads size as a number (0 is
    /// "invalid command spec"); a view is refused; the conversion is <see cref="CatalogWriter.ConvertToCapped"/>.
    /// </summary>
    private static BsonDocument ConvertToCapped(CommandContext context)
    {
        var name = context.CollectionName();
        var size = context.Body.GetValue("size", BsonNull.Value) is { IsNumeric: true } given ? given.ToInt64() : 0;
        if (size == 0) throw CommandFailure.InvalidOptions("invalid command spec");
        var collection = context.Server.Catalog.Find(context.Database, name)
            ?? throw CommandFailure.NamespaceNotFound($"source collection {context.Database}.{name} does not exist");
        if (collection.Kind != CollectionKind.Collection)
            throw new CommandFailure(166, "CommandNotSupportedOnView", $"cloneCollectionAsCapped not supported for views: {collection.Namespace}");
        context.Server.CatalogWriter.ConvertToCapped(collection, size, context.Writes);
        return new BsonDocument();
    }

    private static BsonDocument CreateIndexes(CommandContext context)
    {
        var name = context.CollectionName();
        if (!context.Body.TryGetValue("indexes", out var indexes) || indexes is not BsonArray specs || specs.Count == 0)
            throw CommandFailure.BadValue("createIndexes needs a non-empty 'indexes' array");
        var writes = context.Writes;
        foreach (var spec in specs.OfType<BsonDocument>())
            if (spec.GetValue("key", BsonNull.Value) is BsonDocument key && IndexKeyPatternRules.Refusal(key) is { } refusal)
                // create_indexes.cpp (parseAndValidateIndexSpecs) gives validateIndexSpec's reason the spec as context.
                throw new CommandFailure(67, "CannotCreateIndex", $"Error in specification {ShellForm(spec)} :: caused by :: {refusal}");
        var existing = context.Server.Catalog.Find(context.Database, name);
        // index_catalog_impl.cpp (prepareSpecForCreate): no TTL index on a capped collection.
        if (existing is { IsCapped: true } && specs.OfType<BsonDocument>().Any(s => s.Contains("expireAfterSeconds")))
            throw new CommandFailure(67, "CannotCreateIndex", "Cannot create TTL index on a capped collection");
        if (existing is { Kind: CollectionKind.Timeseries })
        {
            // MongoDB builds a time-series collection's indexes on its buckets, with the keys rewritten.
            var timeseries = existing.Options["timeseries"].AsBsonDocument;
            specs = new BsonArray(specs.Select(s => TimeseriesIndexSpecs.ToBucketSpec(s.AsBsonDocument, timeseries)));
            existing = BucketsOf(context, existing)
                       ?? throw CommandFailure.NamespaceNotFound($"the buckets of time-series collection {existing.Namespace} are missing");
        }
        if (existing != null && existing.Kind != CollectionKind.Collection)
            throw new CommandFailure(166, "CommandNotSupportedOnView", $"Namespace {existing.Namespace} is a view, not a collection");
        var collection = existing ?? context.Server.CatalogWriter.Create(context.Database, name, new BsonDocument(), writes);
        var before = collection.Indexes.Count;
        var ignoreUnknown = context.BoolArgument("ignoreUnknownIndexOptions");
        var created = IndexBuilder.Build(collection, specs.Select(s =>
            IndexCollation.Resolve(IndexSpecRules.Apply(IndexSpecFields.Check(s.AsBsonDocument, ignoreUnknown)), collection.Options)).ToList(), writes);
        var reply = new BsonDocument
        {
            { "numIndexesBefore", before }, { "numIndexesAfter", collection.Indexes.Count },
            { "createdCollectionAutomatically", existing == null },
        };
        if (created == 0) reply.Add("note", "all indexes already exist");
        return reply;
    }

    /// <summary>
    /// A document as BSONObj::toString writes it into messages ({ key: { d: "" }, name: "d_1" }); the forms of values
    /// other than strings, numbers, booleans and documents are the driver's shell JSON's, not mongod's.
    /// </summary>
    private static string ShellForm(BsonValue value) => value switch
    {
        BsonDocument { ElementCount: 0 } => "{}",
        BsonDocument d => "{ " + string.Join(", ", d.Select(e => $"{e.Name}: {ShellForm(e.Value)}")) + " }",
        BsonArray a => "[ " + string.Join(", ", a.Select(ShellForm)) + " ]",
        BsonString s => "\"" + s.Value + "\"",
        BsonDouble d => d.Value == Math.Floor(d.Value) && !double.IsInfinity(d.Value) ? d.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : d.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        BsonBoolean b => b.Value ? "true" : "false",
        _ => value.ToJson(),
    };

    private static Collection? BucketsOf(CommandContext context, Collection timeseries) =>
        context.Server.Catalog.Find(timeseries.Database, "system.buckets." + timeseries.Name);

    private static BsonDocument DropIndexes(CommandContext context)
    {
        var collection = RequireCollection(context, context.CollectionName());
        var before = collection.Indexes.Count;
        var target = context.Body.GetValue("index", BsonNull.Value);
        var toDrop = new List<IndexDefinition>();
        switch (target)
        {
            case BsonString { Value: "*" }:
                toDrop.AddRange(collection.Indexes.Where(i => !i.IsIdIndex));
                break;
            case BsonString name:
                toDrop.Add(collection.FindIndex(name.Value) ?? throw CommandFailure.IndexNotFound($"index not found with name [{name.Value}]"));
                break;
            case BsonArray names:
                foreach (var n in names)
                    toDrop.Add(collection.FindIndex(n.AsString) ?? throw CommandFailure.IndexNotFound($"index not found with name [{n.AsString}]"));
                break;
            case BsonDocument key:
                toDrop.Add(collection.Indexes.FirstOrDefault(i => i.Key.Equals(key))
                           ?? throw CommandFailure.IndexNotFound($"can't find index with key: {key.ToJson()}"));
                break;
            default:
                throw CommandFailure.TypeMismatch("dropIndexes 'index' must be a name, an array of names, a key pattern or \"*\"");
        }
        foreach (var index in toDrop) context.Server.CatalogWriter.DropIndex(collection, index, context.Writes);
        return new BsonDocument("nIndexesWas", before);
    }

    private static BsonDocument Drop(CommandContext context)
    {
        var name = context.CollectionName();
        var collection = context.Server.Catalog.Find(context.Database, name);
        if (collection == null) return new BsonDocument(); // MongoDB 7.0: dropping a missing collection succeeds
        if (context.Server.Oplog != null && ReferenceEquals(collection, context.Server.Oplog.Collection))
            throw CommandFailure.IllegalOperation("can't drop live oplog while replicating");
        var indexes = collection.Indexes.Count;
        context.Server.CatalogWriter.Drop(collection, context.Writes);
        return new BsonDocument { { "nIndexesWas", indexes }, { "ns", collection.Namespace } };
    }

    private static BsonDocument DropDatabase(CommandContext context)
    {
        if (context.Database == "local" && context.Server.Oplog != null)
            throw CommandFailure.IllegalOperation("Cannot drop 'local' database while replication is active");
        if (context.Server.Catalog.DatabaseExists(context.Database))
            context.Server.CatalogWriter.DropDatabase(context.Database, context.Writes);
        return new BsonDocument("dropped", context.Database);
    }

    private static BsonDocument RenameCollection(CommandContext context)
    {
        if (context.Database != "admin")
            throw CommandFailure.Unauthorized("renameCollection may only be run against the admin database.");
        var from = context.CommandValue.AsString;
        var to = context.Body.GetValue("to", BsonNull.Value);
        if (!to.IsString) throw CommandFailure.TypeMismatch("renameCollection needs a string 'to' namespace");
        var catalog = context.Server.Catalog;
        var source = catalog.Find(from) ?? throw CommandFailure.NamespaceNotFound("source namespace does not exist");
        if (source.Kind != CollectionKind.Collection)
            throw new CommandFailure(166, "CommandNotSupportedOnView", $"cannot rename view or time-series collection {from}");
        var (toDb, toName) = Catalog.SplitNamespace(to.AsString);
        if (from == to.AsString) throw CommandFailure.IllegalOperation("Can't rename a collection to itself");
        context.Server.CatalogWriter.Rename(source, toDb, toName, context.BoolArgument("dropTarget"), context.Writes);
        return new BsonDocument();
    }

    private static BsonDocument DbStats(CommandContext context)
    {
        var collections = context.Server.Catalog.CollectionsOf(context.Database).ToList();
        var scale = Math.Max(1, context.LongArgument("scale", 1));
        var objects = collections.Sum(c => (long)c.Records.Count);
        var size = collections.Sum(c => c.Records.TotalBytes);
        return new BsonDocument
        {
            { "db", context.Database },
            { "collections", collections.Count(c => c.Kind == CollectionKind.Collection) },
            { "views", collections.Count(c => c.Kind != CollectionKind.Collection) },
            { "objects", objects },
            { "avgObjSize", objects == 0 ? 0.0 : (double)size / objects },
            { "dataSize", (double)(size / scale) },
            { "storageSize", (double)(size / scale) },
            { "indexes", collections.Sum(c => c.Indexes.Count) },
            { "indexSize", 0.0 },
            { "totalSize", (double)(size / scale) },
            { "scaleFactor", scale },
            { "fsUsedSize", 0.0 },
            { "fsTotalSize", 0.0 },
        };
    }

    /// <summary>The statistics of one collection, as collStats and $collStats {storageStats} report them.</summary>
    public static BsonDocument StatsOf(Collection collection)
    {
        var count = (long)collection.Records.Count;
        var size = collection.Records.TotalBytes;
        var stats = new BsonDocument
        {
            { "ns", collection.Namespace },
            { "size", size },
            { "count", count },
            { "avgObjSize", count == 0 ? 0 : size / count },
            { "storageSize", size },
            { "capped", collection.IsCapped },
            { "nindexes", collection.Indexes.Count },
            { "totalIndexSize", 0L },
            { "indexSizes", new BsonDocument(collection.Indexes.Select(i => new BsonElement(i.Name, 0L))) },
        };
        if (collection.IsCapped)
        {
            stats.Add("max", collection.Options.GetValue("max", 0).ToInt64());
            stats.Add("maxSize", collection.Options.GetValue("size", 0).ToInt64());
        }
        return stats;
    }

    private static BsonDocument CollStats(CommandContext context)
    {
        var collection = context.Server.Catalog.Find(context.Database, context.CollectionName());
        if (collection == null)
            throw CommandFailure.NamespaceNotFound($"Collection [{context.Database}.{context.CollectionName()}] not found.");
        return StatsOf(collection);
    }
}
