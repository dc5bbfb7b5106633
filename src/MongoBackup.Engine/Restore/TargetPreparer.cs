using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Makes a target namespace ready for its documents: refuses one that already holds data unless told to drop
/// it, and creates the collection or view with the options the dump recorded. Takes back what a restore wrote to a
/// namespace whose file turned out damaged.
/// </summary>
public sealed class TargetPreparer(IMongoClient client, NamespaceMap map)
{
    /// <summary>Returns true when it created the target, false when it kept an existing empty collection.</summary>
    /// <exception cref="MongoBackupException">TargetNotEmpty: the target holds data (or is a view) and <paramref name="drop"/> is false.</exception>
    public async Task<bool> PrepareAsync(PlannedNamespace ns, bool drop, CancellationToken ct)
    {
        var db = client.GetDatabase(ns.TargetDatabase);
        var existing = await FindAsync(db, ns.TargetCollection, ct);
        if (existing is not null)
        {
            if (!drop)
            {
                var count = existing.GetValue("type", "collection") == "view" ? -1
                    : await db.GetCollection<BsonDocument>(ns.DataCollection).EstimatedDocumentCountAsync(cancellationToken: ct);
                if (count != 0)
                    throw new MongoBackupException(ErrorIds.TargetNotEmpty,
                        count < 0
                            ? $"The target {ns.TargetNamespace} already exists as a view; use -Drop to replace it."
                            : $"The target {ns.TargetNamespace} already holds {count} documents; use -Drop to replace it, or restore into another name.",
                        target: ns.TargetNamespace);
                return false; // an existing empty collection keeps its own options
            }
            await db.DropCollectionAsync(ns.TargetCollection, ct);
        }
        await CreateAsync(db, ns, ct);
        return true;
    }

    /// <summary>
    /// Leaves a target as it was before <see cref="PrepareAsync"/>: a collection it created is dropped, an empty one
    /// it kept is emptied again. For a namespace whose documents came from a file found damaged part-way (its
    /// checksum is known only at its end), so nothing of it stays restored half-way.
    /// </summary>
    public async Task RollBackAsync(PlannedNamespace ns, bool created, CancellationToken ct)
    {
        var db = client.GetDatabase(ns.TargetDatabase);
        if (created) await db.DropCollectionAsync(ns.TargetCollection, ct);
        else await db.GetCollection<BsonDocument>(ns.DataCollection).DeleteManyAsync(FilterDefinition<BsonDocument>.Empty, ct);
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
