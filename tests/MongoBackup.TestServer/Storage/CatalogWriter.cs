using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Catalog changes (create, drop, rename, index drops, collMod) with the command oplog entries MongoDB 7.0 writes
/// for them ({op: "c", ns: "db.$cmd", ui, o: {...}}); index builds are <see cref="IndexBuilder"/>'s.
/// </summary>
internal sealed class CatalogWriter
{
    private const string BucketsPrefix = "system.buckets.";

    public CatalogWriter(Catalog catalog) => Catalog = catalog;

    public Catalog Catalog { get; }

    /// <summary>Where views are created and dropped (set once the document writer they write through exists).</summary>
    public ViewDefinitions Views { get; set; } = null!;

    public Collection GetOrCreate(string database, string name, WriteContext context) =>
        Catalog.Find(database, name) ?? Create(database, name, new BsonDocument(), context);

    /// <summary>
    /// Creates a collection, view or time-series collection from create-command options; a plain collection takes
    /// <paramref name="uuid"/> when given (a shard receiving a sharded collection's first chunk keeps its UUID).
    /// </summary>
    public Collection Create(string database, string name, BsonDocument options, WriteContext context, Guid? uuid = null)
    {
        if (Catalog.Find(database, name) is { } existing)
            throw CommandFailure.NamespaceExists($"Collection {existing.Namespace} already exists.");
        options = PreAndPostImagesOption.Normalized(options, options.Contains("viewOn"));
        if (options.Contains("viewOn")) return Views.Create(database, name, options, context);
        if (options.TryGetValue("timeseries", out var ts) && !name.StartsWith(BucketsPrefix))
            return CreateTimeseries(database, name, options, ts.AsBsonDocument, context);
        if (options.TryGetValue("capped", out var capped) && capped.ToBoolean())
        {
            if (!options.TryGetValue("size", out var size) || !size.IsNumeric || size.ToDouble() <= 0)
                throw CommandFailure.InvalidOptions("the 'size' field is required when 'capped' is true");
        }
        options = StoredCollectionOptions.Of(options);
        var collection = Catalog.Add(database, name, CollectionKind.Collection, options, uuid);
        context.OnUndo(() => Catalog.Remove(collection));
        if (name.StartsWith(BucketsPrefix) && options.TryGetValue("timeseries", out var bucketSpec) &&
            Catalog.Find(database, name[BucketsPrefix.Length..]) == null)
        {
            // Replaying a buckets collection's creation brings back the time-series name that reads it.
            var view = Catalog.Add(database, name[BucketsPrefix.Length..], CollectionKind.Timeseries,
                new BsonDocument("timeseries", bucketSpec), collection.Uuid);
            context.OnUndo(() => Catalog.Remove(view));
        }
        var entry = new BsonDocument("create", name).AddRange(options);
        if (!collection.IsClustered) entry.Add("idIndex", Collection.IdIndexSpec(options));
        WriteCommand(collection, entry, context);
        return collection;
    }

    public void Drop(Collection collection, WriteContext context)
    {
        if (collection.Kind == CollectionKind.View)
        {
            Views.Drop(collection, context);
            return;
        }
        if (collection.Kind == CollectionKind.Timeseries &&
            Catalog.Find(collection.Database, BucketsPrefix + collection.Name) is { } buckets)
            Catalog.Remove(buckets);
        var count = collection.Records.Count;
        Catalog.Remove(collection);
        WriteCommand(collection, new BsonDocument("drop", collection.Name), context, new BsonDocument("numRecords", count));
    }

    public void DropDatabase(string database, WriteContext context)
    {
        foreach (var collection in Catalog.CollectionsOf(database))
            if (collection.Kind == CollectionKind.Collection) Drop(collection, context);
        Catalog.RemoveDatabase(database);
        context.Log(database, new BsonDocument { { "op", "c" }, { "ns", database + ".$cmd" }, { "o", new BsonDocument("dropDatabase", 1) } });
    }

    /// <summary>Where a rename across databases inserts its copy (set once the document writer exists).</summary>
    public DocumentWriter Documents { get; set; } = null!;

    /// <summary>
    /// Renames a collection, logging {renameCollection: from, to, stayTemp} with dropTarget (the dropped target's UUID) and
    /// o2 {numRecords} only when a target was dropped (op_observer_impl.cpp, preRenameCollection). Across databases, the
    /// copy MongoDB 4.2+ makes (<see cref="RenameBetweenDatabases"/>).
    /// </summary>
    public void Rename(Collection source, string toDatabase, string toName, bool dropTarget, WriteContext context)
    {
        if (source.Database != toDatabase)
        {
            RenameBetweenDatabases(source, toDatabase, toName, dropTarget, context);
            return;
        }
        RenameWithinDatabase(source, toDatabase, toName, dropTarget, context);
    }

    /// <summary>
    /// A rename across databases as MongoDB 4.2+ makes and logs it (src/mongo/db/catalog/rename_collection.cpp,
    /// renameBetweenDBs; applyOps of such a rename takes the same path, renameCollectionForApplyOps): a collection
    /// "tmpXXXXX.renameCollection" (five random letters or digits, makeUniqueCollectionName) created in the target database with
    /// the source's options and a new UUID, logged as a create; its indexes but _id built on it while empty, one createIndexes
    /// entry each (createIndexesOnEmptyCollection); each document inserted into it, one insert entry each (insertDocuments with
    /// an oplog slot per document, not an applyOps); then a rename within the target database onto the final name
    /// (renameCollectionWithinDB with the command's dropTarget, stayTemp false) and a drop of the source
    /// (dropCollectionForApplyOps). No entry names both databases.
    /// </summary>
    private void RenameBetweenDatabases(Collection source, string toDatabase, string toName, bool dropTarget, WriteContext context)
    {
        if (Catalog.Find(toDatabase, toName) is not null && !dropTarget) throw CommandFailure.NamespaceExists("target namespace exists");
        var tmp = Create(toDatabase, UniqueTemporaryName(toDatabase), new BsonDocument(source.Options), context);
        IndexBuilder.Build(tmp, source.Indexes.Where(i => !i.IsIdIndex).Select(i => i.Spec).ToList(), context);
        foreach (var (_, bytes) in source.Records.Scan(long.MinValue, forward: true).ToList())
            Documents.Insert(tmp, Collection.Parse(bytes), context);
        RenameWithinDatabase(tmp, toDatabase, toName, dropTarget, context);
        Drop(source, context);
    }

    /// <summary>
    /// "tmp" and five random letters or digits, then <paramref name="suffix"/>, unused in <paramref name="database"/>
    /// (makeUniqueCollectionName's "tmp%%%%%" model).
    /// </summary>
    private string UniqueTemporaryName(string database, string suffix = ".renameCollection")
    {
        const string characters = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        while (true)
        {
            var name = "tmp" + new string(Enumerable.Range(0, 5).Select(_ => characters[Random.Shared.Next(characters.Length)]).ToArray()) + suffix;
            if (Catalog.Find(database, name) is null) return name;
        }
    }

    /// <summary>
    /// convertToCapped as mongod 4.4-8.0 makes and logs it (src/mongo/db/catalog/capped_utils.cpp, convertToCapped and
    /// cloneCollectionAsCapped): a collection "tmpXXXXX.convertToCapped.NAME" created with the source's options made
    /// capped at <paramref name="size"/> and temp: true, logged as a create (its _id index only: no other index is
    /// copied); each document inserted into it in natural order, one insert entry each with fromMigrate: true (the
    /// insertDocument call passes fromMigrate true), after leaving out the oldest while the source's data exceeds twice
    /// the size (its "excessSize" guess); then a rename within the database onto NAME with dropTarget (the source's
    /// UUID; o2 numRecords) and stayTemp false, which clears temp. A source larger than the cap loses its oldest
    /// documents as any capped insert does.
    /// </summary>
    public void ConvertToCapped(Collection source, long size, WriteContext context)
    {
        var options = new BsonDocument { { "capped", true }, { "size", size } };
        if (source.Options.TryGetValue("max", out var max)) options.Add("max", max);
        options.Add("temp", true);
        foreach (var option in source.Options)
            if (option.Name is not ("capped" or "size" or "max" or "temp")) options.Add(option);
        var tmp = Create(source.Database, UniqueTemporaryName(source.Database, ".convertToCapped." + source.Name), options, context);
        var copies = new WriteContext(new Sharding.FromMigrateSink(context.Sink), context.Steps) { Owner = context.Owner };
        var documents = source.Records.Scan(long.MinValue, forward: true).ToList();
        var excess = documents.Sum(d => (long)d.Item2.Length) - 2 * tmp.Options["size"].ToInt64();
        foreach (var (_, bytes) in documents)
        {
            if (excess > 0)
            {
                excess -= 4L * bytes.Length;
                continue;
            }
            Documents.Insert(tmp, Collection.Parse(bytes), copies);
        }
        RenameWithinDatabase(tmp, source.Database, source.Name, dropTarget: true, context);
    }

    private void RenameWithinDatabase(Collection source, string toDatabase, string toName, bool dropTarget, WriteContext context)
    {
        var fromNs = source.Namespace;
        var o = new BsonDocument { { "renameCollection", fromNs }, { "to", toDatabase + "." + toName }, { "stayTemp", false } };
        BsonDocument? o2 = null;
        if (Catalog.Find(toDatabase, toName) is { } target)
        {
            if (!dropTarget) throw CommandFailure.NamespaceExists("target namespace exists");
            Catalog.Remove(target);
            o.Add("dropTarget", target.UuidValue);
            o2 = new BsonDocument("numRecords", target.Records.Count);
        }
        var fromDatabase = source.Database;
        Catalog.Move(source, toDatabase, toName);
        // stayTemp false (the only form served): a temp collection renamed is temp no more (rename_collection.cpp).
        if (source.Options.Contains("temp")) source.Options = new BsonDocument(source.Options.Where(e => e.Name != "temp"));
        var entry = new BsonDocument { { "op", "c" }, { "ns", fromDatabase + ".$cmd" }, { "ui", source.UuidValue }, { "o", o } };
        if (o2 != null) entry.Add("o2", o2);
        context.Log(fromDatabase, entry);
    }

    public void DropIndex(Collection collection, IndexDefinition index, WriteContext context)
    {
        if (index.IsIdIndex) throw new CommandFailure(72, "InvalidOptions", "cannot drop _id index");
        collection.RemoveIndex(index);
        WriteCommand(collection, new BsonDocument { { "dropIndexes", collection.Name }, { "index", index.Name } }, context, index.Spec);
    }

    /// <summary>Records a collMod already applied by the caller.</summary>
    public void RecordCollMod(Collection collection, BsonDocument changes, BsonDocument o2, WriteContext context) =>
        WriteCommand(collection, new BsonDocument("collMod", collection.Name).AddRange(changes), context, o2);

    private Collection CreateTimeseries(string database, string name, BsonDocument options, BsonDocument timeseries, WriteContext context)
    {
        if (!timeseries.Contains("timeField")) throw new CommandFailure(40414, "Location40414", "BSON field 'timeseries.timeField' is missing but a required field");
        var completed = TimeseriesBucketing.Complete(timeseries);
        var viewOptions = StoredCollectionOptions.Of(new BsonDocument(options) { ["timeseries"] = completed });
        var bucketsOptions = new BsonDocument
        {
            { "validator", TimeseriesBucketValidator.For(completed["timeField"].AsString) }, { "clusteredIndex", true }, { "timeseries", completed },
        };
        if (viewOptions.TryGetValue("expireAfterSeconds", out var expire)) bucketsOptions.Add("expireAfterSeconds", expire);
        var buckets = Catalog.Find(database, BucketsPrefix + name) ??
                      Catalog.Add(database, BucketsPrefix + name, CollectionKind.Collection, bucketsOptions);
        var view = Catalog.Add(database, name, CollectionKind.Timeseries, viewOptions, buckets.Uuid);
        context.OnUndo(() => { Catalog.Remove(view); Catalog.Remove(buckets); });
        WriteCommand(buckets, new BsonDocument("create", name).AddRange(viewOptions), context);
        if (TimeseriesIndexSpecs.DefaultIndex(completed) is { } index) IndexBuilder.Build(buckets, [index], context);
        return view;
    }

    /// <summary>MongoDB rounds a capped size up to a multiple of 256 and reports it as an int when it fits (<see cref="StoredCollectionOptions"/>).</summary>
    public static BsonValue CappedSize(long requested) => StoredCollectionOptions.AppendNumber(StoredCollectionOptions.CappedSizeOf(requested));

    /// <summary>Logs the command entry {op: "c", ns: "db.$cmd", ui, o, o2?} of a change to <paramref name="collection"/>.</summary>
    public static void WriteCommand(Collection collection, BsonDocument o, WriteContext context, BsonDocument? o2 = null)
    {
        var entry = new BsonDocument
        {
            { "op", "c" }, { "ns", collection.Database + ".$cmd" }, { "ui", DocumentWriter.UuidOf(collection) }, { "o", o },
        };
        if (o2 != null) entry.Add("o2", o2);
        context.Log(collection.Database, entry);
    }
}
