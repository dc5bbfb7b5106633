using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Views live as documents {_id: "db.view", viewOn, pipeline, collation?} in &lt;db&gt;.system.views, and every change to a
/// view is a write to that collection, logged as such: creating a view inserts its definition (creating system.views
/// first, which logs its own create), collMod replaces it, drop deletes it; MongoDB logs no create, collMod or drop
/// command for the view itself (database_impl.cpp createView and dropView write through the durable view catalog;
/// coll_mod.cpp: "The CollectionCatalog handles the creation of oplog entries for modifications on a view";
/// jstests/replsets/view_catalog_oplog_entries.js: one insert and one update on system.views). The catalog follows
/// system.views whoever writes it, so an applied insert of a definition (a replay) creates the view.
/// </summary>
internal sealed class ViewDefinitions
{
    public const string CollectionName = "system.views";

    private readonly CatalogWriter _catalogWriter;
    private readonly DocumentWriter _documents;

    public ViewDefinitions(CatalogWriter catalogWriter, DocumentWriter documents)
    {
        _catalogWriter = catalogWriter;
        _documents = documents;
    }

    public Collection Create(string database, string name, BsonDocument options, WriteContext context)
    {
        if (!options["viewOn"].IsString) throw CommandFailure.TypeMismatch("'viewOn' must be a string");
        if (context.Steps != null)
            throw new CommandFailure(263, "OperationNotSupportedInTransaction", $"Cannot create a view in a multi-document transaction: {database}.{name}");
        var definition = new BsonDocument { { "_id", database + "." + name }, { "viewOn", options["viewOn"] }, { "pipeline", options.GetValue("pipeline", new BsonArray()) } };
        if (options.TryGetValue("collation", out var collation)) definition.Add("collation", collation);
        var views = _catalogWriter.GetOrCreate(database, CollectionName, context);
        _documents.Insert(views, definition, context);
        return _catalogWriter.Catalog.Find(database, name)!;
    }

    /// <summary>collMod on a view: viewOn and pipeline, the only options a view takes.</summary>
    public void Modify(Collection view, BsonValue? viewOn, BsonValue? pipeline, WriteContext context)
    {
        var (views, recordId, before) = DefinitionOf(view);
        var after = new BsonDocument(before);
        if (viewOn != null) after["viewOn"] = viewOn;
        if (pipeline != null) after["pipeline"] = pipeline;
        _documents.Update(views, recordId, before, after, isReplacement: true, context);
    }

    public void Drop(Collection view, WriteContext context)
    {
        var (views, recordId, definition) = DefinitionOf(view);
        _documents.Delete(views, recordId, definition, context);
    }

    private (Collection Views, long RecordId, BsonDocument Definition) DefinitionOf(Collection view)
    {
        var views = _catalogWriter.Catalog.Find(view.Database, CollectionName);
        if (views?.FindById(view.Namespace) is not { } recordId)
            throw new InvalidOperationException($"view {view.Namespace} has no definition in {view.Database}.{CollectionName}");
        return (views, recordId, Collection.Parse(views.Records.Get(recordId)));
    }

    /// <summary>Makes the catalog's views follow a write to a system.views collection (before and after a document's change).</summary>
    public static void Follow(Catalog catalog, BsonDocument? before, BsonDocument? after)
    {
        if (before != null && catalog.Find(before["_id"].AsString) is { Kind: CollectionKind.View } old &&
            (after == null || after["_id"] != before["_id"]))
            catalog.Remove(old);
        if (after == null) return;
        var options = new BsonDocument { { "viewOn", after["viewOn"] }, { "pipeline", after.GetValue("pipeline", new BsonArray()) } };
        if (after.TryGetValue("collation", out var collation)) options.Add("collation", collation);
        switch (catalog.Find(after["_id"].AsString))
        {
            case { Kind: CollectionKind.View } existing:
                existing.Options = options;
                break;
            case { } other:
                throw CommandFailure.NamespaceExists($"Collection {other.Namespace} already exists.");
            default:
                var (database, name) = Catalog.SplitNamespace(after["_id"].AsString);
                catalog.Add(database, name, CollectionKind.View, options);
                break;
        }
    }
}
