using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Catalog changes (create, drop, rename, indexes, collMod) with the command oplog entries MongoDB 7.0 writes
/// for them ({op: "c", ns: "db.$cmd", ui, o: {...}}).
/// </summary>
internal sealed class CatalogWriter
{
    private const string BucketsPrefix = "system.buckets.";

    public CatalogWriter(Catalog catalog) => Catalog = catalog;

    public Catalog Catalog { get; }

    public Collection GetOrCreate(string database, string name, WriteContext context) =>
        Catalog.Find(database, name) ?? Create(database, name, new BsonDocument(), context);

    /// <summary>Creates a collection, view or time-series collection from create-command options.</summary>
    public Collection Create(string database, string name, BsonDocument options, WriteContext context)
    {
        if (Catalog.Find(database, name) is { } existing)
            throw CommandFailure.NamespaceExists($"Collection {existing.Namespace} already exists.");
        if (options.Contains("viewOn")) return CreateView(database, name, options, context);
        if (options.TryGetValue("timeseries", out var ts) && !name.StartsWith(BucketsPrefix))
            return CreateTimeseries(database, name, options, ts.AsBsonDocument, context);
        if (options.TryGetValue("capped", out var capped) && capped.ToBoolean())
        {
            if (!options.TryGetValue("size", out var size) || !size.IsNumeric || size.ToDouble() <= 0)
                throw CommandFailure.InvalidOptions("the 'size' field is required when 'capped' is true");
            options = new BsonDocument(options) { ["size"] = CappedSize(size.ToInt64()) };
        }
        var collection = Catalog.Add(database, name, CollectionKind.Collection, options);
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
        if (collection.Kind == CollectionKind.Timeseries &&
            Catalog.Find(collection.Database, BucketsPrefix + collection.Name) is { } buckets)
            Catalog.Remove(buckets);
        if (collection.Kind == CollectionKind.View && Catalog.Find(collection.Database, "system.views") is { } views &&
            views.FindById(collection.Namespace) is { } viewRecord)
            views.Delete(viewRecord, Collection.Parse(views.Records.Get(viewRecord)));
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

    public void Rename(Collection source, string toDatabase, string toName, bool dropTarget, WriteContext context)
    {
        var fromNs = source.Namespace;
        BsonValue dropped = false;
        if (Catalog.Find(toDatabase, toName) is { } target)
        {
            if (!dropTarget) throw CommandFailure.NamespaceExists("target namespace exists");
            Catalog.Remove(target);
            dropped = new BsonBinaryData(target.Uuid, GuidRepresentation.Standard);
        }
        Catalog.Move(source, toDatabase, toName);
        context.Log(fromNs.Split('.')[0], new BsonDocument
        {
            { "op", "c" }, { "ns", fromNs.Split('.')[0] + ".$cmd" }, { "ui", DocumentWriter.UuidOf(source) },
            { "o", new BsonDocument { { "renameCollection", fromNs }, { "to", source.Namespace }, { "stayTemp", false }, { "dropTarget", dropped } } },
        });
    }

    /// <summary>Creates one index; returns false when an identical index already exists (a no-op, as in MongoDB).</summary>
    public bool CreateIndex(Collection collection, BsonDocument givenSpec, WriteContext context)
    {
        if (!givenSpec.TryGetValue("key", out var key) || key is not BsonDocument keyDoc || keyDoc.ElementCount == 0)
            throw CommandFailure.BadValue("Index key must be a non-empty document: " + givenSpec.ToJson());
        if (!givenSpec.TryGetValue("name", out var name) || !name.IsString || name.AsString.Length == 0)
            throw CommandFailure.BadValue("Index spec must have a non-empty string 'name': " + givenSpec.ToJson());
        var spec = IndexDefinition.NormalizeSpec(givenSpec);
        spec.Remove("ns");
        foreach (var existing in collection.Indexes)
        {
            var sameName = existing.Name == name.AsString;
            var sameKey = existing.Key.Equals(keyDoc);
            if (sameName && sameKey)
            {
                if (OptionsOf(existing.Spec).Equals(OptionsOf(spec))) return false;
                throw CommandFailure.IndexOptionsConflict(
                    $"An existing index has the same name as the requested index but different options. Requested index: {spec.ToJson()}, existing index: {existing.Spec.ToJson()}");
            }
            if (sameName)
                throw CommandFailure.IndexKeySpecsConflict(
                    $"An existing index has the same name as the requested index but different key. Requested index: {spec.ToJson()}, existing index: {existing.Spec.ToJson()}");
            if (sameKey && OptionsOf(existing.Spec).Equals(OptionsOf(spec)))
                throw CommandFailure.IndexOptionsConflict(
                    $"Index already exists with a different name: {existing.Name}");
        }
        var index = new IndexDefinition(spec);
        collection.AddIndex(index);
        context.OnUndo(() => collection.RemoveIndex(index));
        WriteCommand(collection, new BsonDocument("createIndexes", collection.Name).AddRange(spec), context);
        return true;
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

    private Collection CreateView(string database, string name, BsonDocument options, WriteContext context)
    {
        if (!options["viewOn"].IsString) throw CommandFailure.TypeMismatch("'viewOn' must be a string");
        var viewOptions = new BsonDocument { { "viewOn", options["viewOn"] }, { "pipeline", options.GetValue("pipeline", new BsonArray()) } };
        if (options.TryGetValue("collation", out var collation)) viewOptions.Add("collation", collation);
        var view = Catalog.Add(database, name, CollectionKind.View, viewOptions);
        context.OnUndo(() => Catalog.Remove(view));
        var views = Catalog.Find(database, "system.views") ?? Catalog.Add(database, "system.views", CollectionKind.Collection, new BsonDocument());
        views.Insert(new BsonDocument("_id", view.Namespace).AddRange(viewOptions));
        WriteCommand(view, new BsonDocument("create", name).AddRange(viewOptions), context);
        return view;
    }

    private Collection CreateTimeseries(string database, string name, BsonDocument options, BsonDocument timeseries, WriteContext context)
    {
        if (!timeseries.Contains("timeField")) throw new CommandFailure(40414, "Location40414", "BSON field 'timeseries.timeField' is missing but a required field");
        var completed = new BsonDocument(timeseries);
        if (!completed.Contains("granularity") && !completed.Contains("bucketMaxSpanSeconds")) completed.Add("granularity", "seconds");
        if (!completed.Contains("bucketMaxSpanSeconds"))
            completed.Add("bucketMaxSpanSeconds", completed.GetValue("granularity", "seconds").AsString switch { "minutes" => 86400, "hours" => 2592000, _ => 3600 });
        var viewOptions = new BsonDocument(options) { ["timeseries"] = completed };
        var bucketsOptions = new BsonDocument { { "clusteredIndex", true }, { "timeseries", completed } };
        if (options.TryGetValue("expireAfterSeconds", out var expire)) bucketsOptions.Add("expireAfterSeconds", expire);
        var buckets = Catalog.Find(database, BucketsPrefix + name) ??
                      Catalog.Add(database, BucketsPrefix + name, CollectionKind.Collection, bucketsOptions);
        var view = Catalog.Add(database, name, CollectionKind.Timeseries, viewOptions, buckets.Uuid);
        context.OnUndo(() => { Catalog.Remove(view); Catalog.Remove(buckets); });
        WriteCommand(buckets, new BsonDocument("create", name).AddRange(viewOptions), context);
        if (TimeseriesIndexSpecs.DefaultIndex(completed) is { } index) CreateIndex(buckets, index, context);
        return view;
    }

    /// <summary>MongoDB rounds a capped size up to a multiple of 256 and reports it as an int when it fits.</summary>
    public static BsonValue CappedSize(long requested)
    {
        var rounded = (requested + 0xff) & ~0xffL;
        return rounded <= int.MaxValue ? new BsonInt32((int)rounded) : new BsonInt64(rounded);
    }

    private static BsonDocument OptionsOf(BsonDocument spec)
    {
        var options = new BsonDocument(spec);
        options.Remove("v");
        options.Remove("name");
        options.Remove("ns");
        return options;
    }

    private static void WriteCommand(Collection collection, BsonDocument o, WriteContext context, BsonDocument? o2 = null)
    {
        var entry = new BsonDocument
        {
            { "op", "c" }, { "ns", collection.Database + ".$cmd" }, { "ui", DocumentWriter.UuidOf(collection) }, { "o", o },
        };
        if (o2 != null) entry.Add("o2", o2);
        context.Log(collection.Database, entry);
    }
}
