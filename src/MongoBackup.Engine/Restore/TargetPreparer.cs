using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Makes a target namespace ready for its documents: refuses one that already holds data unless told to drop
/// it, and creates the collection or view with the options the dump recorded.
/// </summary>
/// <param name="resume">An interrupted restore is being finished: a target that holds data is kept and filled in.</param>
public sealed class TargetPreparer(IMongoClient client, NamespaceMap map, bool resume = false)
{
    public async Task PrepareAsync(PlannedNamespace ns, bool drop, CancellationToken ct)
    {
        var db = client.GetDatabase(ns.TargetDatabase);
        var existing = await FindAsync(db, ns.TargetCollection, ct);
        if (existing is not null)
        {
            if (!drop)
            {
                if (!resume && await RefusalAsync(db, ns, existing, ct) is { } refusal) throw refusal;
                return; // an existing collection keeps its own options
            }
            await db.DropCollectionAsync(ns.TargetCollection, ct);
        }
        await CreateAsync(db, ns, ct);
    }

    /// <summary>Why <see cref="PrepareAsync"/> would refuse this target (TargetNotEmpty), or null; reads only.</summary>
    public async Task<MongoBackupException?> RefusalAsync(PlannedNamespace ns, bool drop, CancellationToken ct)
    {
        if (drop || resume) return null;
        var db = client.GetDatabase(ns.TargetDatabase);
        return await FindAsync(db, ns.TargetCollection, ct) is { } existing ? await RefusalAsync(db, ns, existing, ct) : null;
    }

    private static async Task<MongoBackupException?> RefusalAsync(IMongoDatabase db, PlannedNamespace ns, BsonDocument existing, CancellationToken ct)
    {
        var count = existing.GetValue("type", "collection") == "view" ? -1
            : await db.GetCollection<BsonDocument>(ns.DataCollection).EstimatedDocumentCountAsync(cancellationToken: ct);
        return count == 0 ? null : new MongoBackupException(ErrorIds.TargetNotEmpty,
            count < 0
                ? $"The target {ns.TargetNamespace} already exists as a view; use -Drop to replace it."
                : $"The target {ns.TargetNamespace} already holds {count} documents; use -Drop to replace it, -Resume to finish a restore into it that was interrupted, or restore into another name.",
            target: ns.TargetNamespace);
    }

    private static async Task<BsonDocument?> FindAsync(IMongoDatabase db, string collection, CancellationToken ct)
    {
        var options = new ListCollectionsOptions { Filter = new BsonDocument("name", collection) };
        using var cursor = await db.ListCollectionsAsync(options, ct);
        return await cursor.FirstOrDefaultAsync(ct);
    }

    private async Task CreateAsync(IMongoDatabase db, PlannedNamespace ns, CancellationToken ct)
    {
        var command = new BsonDocument("create", ns.TargetCollection);
        var options = ns.Metadata?.Options ?? new BsonDocument();
        foreach (var option in options)
        {
            if (option.Name is "uuid" or "autoIndexId") continue; // the server gives its own uuid
            command[option.Name] = option.Name == "viewOn" ? MapViewSource(ns, option.Value.AsString) : option.Value;
        }
        if (ns.IsTimeseries) command.Remove("clusteredIndex"); // implied by timeseries; refused when given
        await db.RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
    }

    /// <summary>A view follows its source collection when the restore renames it.</summary>
    private string MapViewSource(PlannedNamespace ns, string viewOn)
    {
        var (db, coll) = map.Map(ns.Source.Database, viewOn);
        return db == ns.TargetDatabase ? coll : viewOn;
    }
}
