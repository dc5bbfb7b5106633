using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Builds a namespace's indexes after its data (faster than maintaining them during the inserts), from the
/// specs in its metadata, sent as they were dumped so that every option survives.
/// </summary>
public sealed class IndexRestorer(IMongoClient client)
{
    public async Task<int> RestoreAsync(PlannedNamespace ns, CancellationToken ct)
    {
        var collectionHasCollation = HasNonSimpleCollation(ns.Metadata?.Options);
        var specs = (ns.Metadata?.Indexes ?? [])
            .Where(spec => spec.GetValue("name", "").AsString != "_id_" && !spec.GetValue("clustered", false).ToBoolean())
            .Select(spec => Clean(spec, collectionHasCollation))
            .ToList();
        if (specs.Count == 0) return 0;
        var command = new BsonDocument { { "createIndexes", ns.TargetCollection }, { "indexes", new BsonArray(specs) } };
        await client.GetDatabase(ns.TargetDatabase).RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
        return specs.Count;
    }

    /// <summary>
    /// Drops what old servers wrote into specs and new ones refuse (the namespace they were built on). On a collection
    /// with a default collation, an index listed without one was built with the simple collation (listIndexes omits
    /// it): sent as it is, it would inherit the collection's and a unique index could refuse what it held, so it gets
    /// {locale: "simple"}, as mongorestore sends it (mongo-tools common/idx, IndexCatalog.GetIndexes).
    /// </summary>
    private static BsonDocument Clean(BsonDocument spec, bool collectionHasCollation)
    {
        var copy = spec.DeepClone().AsBsonDocument;
        copy.Remove("ns");
        if (collectionHasCollation && !copy.Contains("collation")) copy["collation"] = new BsonDocument("locale", "simple");
        return copy;
    }

    private static bool HasNonSimpleCollation(BsonDocument? options) =>
        options is not null && options.TryGetValue("collation", out var collation)
        && collation is BsonDocument c && c.GetValue("locale", BsonNull.Value) != "simple";
}
