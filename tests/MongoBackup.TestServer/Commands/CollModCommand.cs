using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// collMod: a collection's validator, validation level and action, expireAfterSeconds, change stream images, capped
/// limits and index options, logged as {collMod: coll, ...} with the old options in o2; a view's viewOn and pipeline, logged as the update
/// of its definition in system.views (<see cref="ViewDefinitions"/>).
/// </summary>
internal static class CollModCommand
{
    public static BsonDocument Run(CommandContext context)
    {
        var collection = CatalogCommands.RequireCollection(context, context.CollectionName());
        var given = context.Body.Skip(1).Where(e => !GenericArguments.IsGeneric(e.Name)).ToList();
        if (collection.Kind == CollectionKind.View)
        {
            // coll_mod.cpp: a view takes viewOn and pipeline only; the change is logged as the update of its definition.
            if (given.FirstOrDefault(e => e.Name is not ("viewOn" or "pipeline")) is { Name: not null } other)
                throw CommandFailure.InvalidOptions($"option not supported on a view: {other.Name}");
            context.Server.CatalogWriter.Views.Modify(collection, context.Body.GetValue("viewOn", null), context.Body.GetValue("pipeline", null), context.Writes);
            return new BsonDocument();
        }
        if (given.FirstOrDefault(e => e.Name is "viewOn" or "pipeline") is { Name: not null } viewOption)
            throw CommandFailure.InvalidOptions($"option only supported on a view: {viewOption.Name}");
        var reply = new BsonDocument();
        var changes = new BsonDocument();
        var options = new BsonDocument(collection.Options);
        foreach (var element in context.Body.Skip(1))
        {
            if (GenericArguments.IsGeneric(element.Name)) continue;
            switch (element.Name)
            {
                case "index":
                    changes.Add("index", ModifyIndex(collection, element.Value.AsBsonDocument, reply));
                    break;
                case "cappedSize" or "cappedMax":
                    ResizeCap(collection, options, element);
                    changes.Add(element);
                    break;
                case PreAndPostImagesOption.Name:
                    PreAndPostImagesOption.Modify(options, element.Value);
                    changes.Add(element);
                    break;
                case "validator" or "validationLevel" or "validationAction" or "expireAfterSeconds" or "recordPreImages":
                    options[element.Name] = element.Value;
                    changes.Add(element);
                    break;
                default:
                    throw CommandFailure.InvalidOptions($"unknown option to collMod: {element.Name}");
            }
        }
        // The entry names the capped limits first, size before max, whatever order the command gave (coll_mod.cpp
        // builds it field by field in that order).
        changes = new BsonDocument(changes.Where(e => e.Name == "cappedSize").Concat(changes.Where(e => e.Name == "cappedMax"))
            .Concat(changes.Where(e => e.Name is not ("cappedSize" or "cappedMax"))));
        collection.Options = options;
        var o2 = new BsonDocument("collectionOptions_old", new BsonDocument("uuid", DocumentWriter.UuidOf(collection)));
        foreach (var element in reply)
            if (element.Name.EndsWith("_old")) o2.Add(element);
        context.Server.CatalogWriter.RecordCollMod(collection, changes, o2, context.Writes);
        return reply;
    }

    /// <summary>
    /// collMod's cappedSize and cappedMax (6.0+) change a capped collection's limits as coll_mod.cpp does
    /// (parseCollModRequest): only on a capped collection other than the oplog, the size rounded and bounded as at
    /// create and a max of 0 or less read as 2^31-1 (collection_options.cpp, checkAndAdjustCappedSize/MaxDocs). The
    /// entry logs the values as given. Nothing is removed now: "MongoDB removes the excess documents on the next insert
    /// operation" (manual, core/capped-collections/change-size-capped-collection and change-max-docs-capped-collection,
    /// which also bound cappedSize to 1 byte..1 PB, checked with the command's shape).
    /// </summary>
    private static void ResizeCap(Collection collection, BsonDocument options, BsonElement change)
    {
        if (!collection.IsCapped) throw CommandFailure.InvalidOptions("Collection must be capped.");
        if (collection.Namespace == "local.oplog.rs")
            throw CommandFailure.InvalidOptions("Cannot resize the oplog using this command. Use the 'replSetResizeOplog' command instead.");
        var requested = change.Value.ToInt64();
        if (change.Name == "cappedSize")
        {
            if (requested < 0) throw CommandFailure.BadValue("size has to be >= 0");
            if (requested > 1L << 50) throw CommandFailure.BadValue("size cannot exceed 1 PB");
            options["size"] = CatalogWriter.CappedSize(requested);
            return;
        }
        if (requested >= 1L << 31) throw CommandFailure.BadValue("max in a capped collection has to be < 2^31 or not set");
        var max = requested <= 0 ? int.MaxValue : (int)requested;
        // listCollections shows max right after size (collection_options.cpp, appendBSON).
        options.Remove("max");
        options.InsertAt(options.IndexOfName("size") + 1, new BsonElement("max", max));
    }

    /// <summary>
    /// collMod {index: {name|keyPattern, hidden, expireAfterSeconds, prepareUnique, unique, forceNonUnique}}: changes the
    /// stored spec as MongoDB does (false hidden/prepareUnique and forceNonUnique remove the option) and reports old/new values.
    /// </summary>
    /// <returns>The index change as the oplog entry logs it: expireAfterSeconds as a 64-bit integer whatever type the command
    /// gave, as mongod logs it (mongo-tools' capture of mongod's entry,
    /// mongorestore/testdata/oplogs/bson/collMod.bson, has o.index.expireAfterSeconds and o2.expireAfterSeconds_old as
    /// NumberLong).</returns>
    private static BsonDocument ModifyIndex(Collection collection, BsonDocument change, BsonDocument reply)
    {
        var logged = new BsonDocument(change.Select(o => o.Name == "expireAfterSeconds" ? new BsonElement(o.Name, new BsonInt64(o.Value.ToInt64())) : o));
        IndexDefinition? index = null;
        if (change.TryGetValue("name", out var name)) index = collection.FindIndex(name.AsString);
        else if (change.TryGetValue("keyPattern", out var key)) index = collection.Indexes.FirstOrDefault(i => i.Key.Equals(key));
        if (index == null) throw CommandFailure.IndexNotFound($"cannot find index {change.ToJson()} for ns {collection.Namespace}");
        var spec = new BsonDocument(index.Spec);
        foreach (var option in change)
        {
            switch (option.Name)
            {
                case "name" or "keyPattern":
                    break;
                case "hidden" or "prepareUnique":
                    reply.Add(option.Name + "_old", spec.GetValue(option.Name, false));
                    reply.Add(option.Name + "_new", option.Value);
                    if (option.Value.ToBoolean()) spec[option.Name] = true;
                    else spec.Remove(option.Name);
                    break;
                case "expireAfterSeconds":
                    // Old and new as longs, as the entry's o2 and the reply carry them; the spec keeps the long mongod stores
                    // (IndexMetaData::updateTTLSetting appends the new value as a long long).
                    var expireAfter = new BsonInt64(option.Value.ToInt64());
                    reply.Add("expireAfterSeconds_old", spec.TryGetValue("expireAfterSeconds", out var old) && old.IsNumeric ? new BsonInt64(old.ToInt64()) : BsonNull.Value);
                    reply.Add("expireAfterSeconds_new", expireAfter);
                    spec["expireAfterSeconds"] = expireAfter;
                    break;
                case "unique" when option.Value.ToBoolean():
                    reply.Add("unique_new", true);
                    spec.Remove("prepareUnique");
                    spec["unique"] = true;
                    break;
                case "forceNonUnique" when option.Value.ToBoolean():
                    reply.Add("forceNonUnique_new", true);
                    spec.Remove("unique");
                    break;
                default:
                    throw CommandFailure.InvalidOptions($"collMod cannot change index option '{option.Name}' to {option.Value}");
            }
        }
        collection.ReplaceIndex(index, spec);
        return logged;
    }
}
