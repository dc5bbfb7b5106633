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
        var specs = (ns.Metadata?.Indexes ?? [])
            .Where(spec => spec.GetValue("name", "").AsString != "_id_" && !spec.GetValue("clustered", false).ToBoolean())
            .Select(Clean)
            .ToList();
        if (specs.Count == 0) return 0;
        var command = new BsonDocument { { "createIndexes", ns.TargetCollection }, { "indexes", new BsonArray(specs) } };
        await client.GetDatabase(ns.TargetDatabase).RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
        return specs.Count;
    }

    /// <summary>Drops what old servers wrote into specs and new ones refuse: the namespace they were built on.</summary>
    private static BsonDocument Clean(BsonDocument spec)
    {
        var copy = spec.DeepClone().AsBsonDocument;
        copy.Remove("ns");
        return copy;
    }
}
