using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The backup's indexes that an existing target collection's indexes would make the server refuse, found before
/// anything is written: createIndexes fails when an index of the same name has another key (IndexKeySpecsConflict) or
/// other options (IndexOptionsConflict), or when an index of the same key and options has another name
/// (IndexOptionsConflict, "Index already exists with a different name"); an identical index is no conflict (mongod's
/// IndexCatalogImpl::_doesSpecConflictWithExisting, src/mongo/db/catalog/index_catalog_impl.cpp). The indexes are built
/// after the documents are in, so without this check a clash is found only once the documents are in the target.
/// </summary>
internal static class IndexConflicts
{
    /// <summary>Each clash, in words naming both indexes; empty when every one of <paramref name="backup"/> can be built.</summary>
    public static IReadOnlyList<string> Find(IReadOnlyList<BsonDocument> backup, IReadOnlyList<BsonDocument> existing)
    {
        var conflicts = new List<string>();
        foreach (var wanted in backup)
        {
            var name = wanted.GetValue("name", "").ToString();
            // The _id index is the collection's own: its collation is the collection's, compared with its options.
            if (name == "_id_") continue;
            var key = wanted.GetValue("key", new BsonDocument());
            foreach (var there in existing)
            {
                var sameName = there.GetValue("name", "").ToString() == name;
                var sameKey = there.GetValue("key", new BsonDocument()).Equals(key);
                var sameOptions = OptionsOf(there).Equals(OptionsOf(wanted));
                if (sameName && sameKey && sameOptions) break;
                if (sameName)
                    conflicts.Add($"index {name}: the backup's {Show(wanted)} and the target's {Show(there)} have the same name but another " +
                        (sameKey ? "set of options" : "key"));
                else if (sameKey && sameOptions)
                    conflicts.Add($"index {name}: the target already has the same index under the name {there.GetValue("name", "")}");
                else continue;
                break;
            }
        }
        return conflicts;
    }

    /// <summary>A spec's options as the server compares them: all but its version, name and namespace.</summary>
    private static BsonDocument OptionsOf(BsonDocument spec)
    {
        var options = new BsonDocument(spec.Where(e => e.Name is not ("v" or "name" or "ns" or "background")));
        return options;
    }

    private static string Show(BsonDocument spec) => new BsonDocument(spec.Where(e => e.Name is not ("v" or "ns" or "name"))).ToJson();
}
