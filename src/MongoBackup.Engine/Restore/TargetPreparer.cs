using MongoDB.Bson;
using MongoBackup.Engine.Formats;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Makes a target namespace ready for its documents: refuses one that already holds data unless told to drop
/// it, refuses an existing one whose options or indexes differ from the backup's (<see cref="CollectionOptionsComparison"/>,
/// <see cref="IndexConflicts"/>) unless told to drop it, and creates the collection or view with the options the dump
/// recorded. Takes back what a restore wrote to a namespace whose file turned out damaged.
/// </summary>
/// <param name="client">The target server.</param>
/// <param name="map">The restore's renames (a view follows its renamed source).</param>
/// <param name="resume">An interrupted restore is being finished: a target that holds data is kept and filled in.</param>
/// <param name="buildsIndexes">The restore builds the backup's indexes (not -NoIndexRestore): an existing index they clash with refuses the target.</param>
/// <param name="convertLegacyIndexes">-ConvertLegacyIndexes: the indexes compared with the target's are the backup's as converted (<see cref="LegacyIndexConversion"/>).</param>
/// <param name="identity">
/// What the restore restores: recorded in each target database as its target is prepared (<see cref="RestoreRecords"/>),
/// and under -Resume a target is kept only under the record of this same snapshot and moment. Null: no record is kept or read.
/// </param>
/// <param name="restores">
/// Whether the restore restores a source collection (database, collection): a view's pipeline follows the renames of
/// those only (<see cref="Oplog.Replay.ViewPipelineRenames"/>). Null: every collection the renames name.
/// </param>
/// <param name="warn">Told of a view whose pipeline still reads a collection the restore did not put beside it.</param>
public sealed class TargetPreparer(IMongoClient client, NamespaceMap map, bool resume = false, bool buildsIndexes = true, RestoreIdentity? identity = null,
    Func<string, string, bool>? restores = null, Action<string>? warn = null, bool convertLegacyIndexes = false)
{
    /// <summary>Returns whether it created the target or kept an existing one (empty, or holding data under -Resume).</summary>
    /// <exception cref="MongoBackupException">
    /// TargetNotEmpty: the target holds data (or is a view), and neither <paramref name="drop"/> nor -Resume was given.
    /// TargetIncompatible: without <paramref name="drop"/>, the existing target's options or indexes differ from the backup's.
    /// </exception>
    public async Task<PreparedTarget> PrepareAsync(PlannedNamespace ns, bool drop, CancellationToken ct)
    {
        var db = client.GetDatabase(ns.TargetDatabase);
        var existing = await FindAsync(db, ns.TargetCollection, ct);
        var how = PreparedTarget.Created;
        if (existing is not null && !drop)
        {
            // An existing collection is kept as it is; one holding data is filled in only under -Resume (of the same
            // restore), and only one that behaves as the backup's does (its options, its indexes) is filled in at all.
            var holdsData = await DataRefusalAsync(db, ns, existing, ct);
            var refusal = await ResumeRefusalAsync(db, ns, holdsData, ct) ?? (resume ? null : holdsData) ?? await ShapeRefusalAsync(db, ns, existing, ct);
            if (refusal is not null) throw refusal;
            how = holdsData is null ? PreparedTarget.KeptEmpty : PreparedTarget.KeptWithData;
        }
        else
        {
            if (existing is not null) await db.DropCollectionAsync(ns.TargetCollection, ct);
            await CreateAsync(db, ns, ct);
        }
        if (identity is not null) await RestoreRecords.WriteAsync(db, ns.TargetCollection, identity, ct);
        return how;
    }

    /// <summary>
    /// Leaves a target as it was before <see cref="PrepareAsync"/>: a collection it created is dropped, an empty one
    /// it kept is emptied again. For a namespace whose documents came from a file found damaged part-way (its
    /// checksum is known only at its end), so nothing of it stays restored half-way. A target that held documents
    /// before this run (-Resume) is left as it is, since what this run added cannot be told from what was there:
    /// returns false then.
    /// </summary>
    public async Task<bool> RollBackAsync(PlannedNamespace ns, PreparedTarget prepared, CancellationToken ct)
    {
        var db = client.GetDatabase(ns.TargetDatabase);
        switch (prepared)
        {
            case PreparedTarget.Created:
                await db.DropCollectionAsync(ns.TargetCollection, ct);
                return true;
            case PreparedTarget.KeptEmpty:
                await db.GetCollection<BsonDocument>(ns.DataCollection).DeleteManyAsync(FilterDefinition<BsonDocument>.Empty, ct);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Why <see cref="PrepareAsync"/> would refuse this target (TargetNotEmpty, TargetIncompatible), or null; reads only.</summary>
    public async Task<MongoBackupException?> RefusalAsync(PlannedNamespace ns, bool drop, CancellationToken ct)
    {
        if (drop) return null;
        var db = client.GetDatabase(ns.TargetDatabase);
        if (await FindAsync(db, ns.TargetCollection, ct) is not { } existing) return null;
        var holdsData = await DataRefusalAsync(db, ns, existing, ct);
        return await ResumeRefusalAsync(db, ns, holdsData, ct) ?? (resume ? null : holdsData) ?? await ShapeRefusalAsync(db, ns, existing, ct);
    }

    /// <summary>
    /// Under -Resume, TargetNotEmpty for a target this restore cannot be finishing: one holding data (<paramref name="holdsData"/>
    /// says how much) without the record of an interrupted restore of the same snapshot and moment, or any target under
    /// the record of another (filling it would leave the target's collections at different snapshots or moments).
    /// Said before anything is written, with what the target held.
    /// </summary>
    private async Task<MongoBackupException?> ResumeRefusalAsync(IMongoDatabase db, PlannedNamespace ns, MongoBackupException? holdsData, CancellationToken ct)
    {
        if (!resume || identity is null) return null;
        var recorded = await RestoreRecords.ReadAsync(db, ns.TargetCollection, ct);
        if (recorded == identity || (recorded is null && holdsData is null)) return null;
        var held = holdsData is null ? "it is empty" : await HeldAsync(db, ns);
        var why = recorded is null
            ? $"{held}, and no interrupted restore of {identity} left them (no restore of this MongoBackup recorded it as its target)"
            : $"{held}, under the record of an interrupted restore of {recorded}, not of {identity}: finishing it as this one would leave the target at two snapshots or moments";
        return new MongoBackupException(ErrorIds.TargetNotEmpty,
            $"{ns.TargetNamespace} was not resumed: {why}. Nothing was written to it. Resume the interrupted restore with the same snapshot and moment, " +
            "or restore it again with -Drop.", target: ns.TargetNamespace);

        async Task<string> HeldAsync(IMongoDatabase database, PlannedNamespace target) => ns.IsView
            ? "it is a view"
            : $"it holds {Held(target, await database.GetCollection<BsonDocument>(target.DataCollection).EstimatedDocumentCountAsync(cancellationToken: ct))}";
    }

    /// <summary>
    /// What a target's data collection holds, in its own unit: a time-series collection's data collection holds buckets
    /// (system.buckets.NAME, each many measurements), which a user must not read as the documents they count on it.
    /// </summary>
    private static string Held(PlannedNamespace ns, long count) => ns.IsTimeseries ? TargetHoldings.Buckets(count) : TargetHoldings.Documents(count);

    private static async Task<MongoBackupException?> DataRefusalAsync(IMongoDatabase db, PlannedNamespace ns, BsonDocument existing, CancellationToken ct)
    {
        var count = existing.GetValue("type", "collection") == "view" ? -1
            : await db.GetCollection<BsonDocument>(ns.DataCollection).EstimatedDocumentCountAsync(cancellationToken: ct);
        return count == 0 ? null : new MongoBackupException(ErrorIds.TargetNotEmpty,
            count < 0
                ? $"The target {ns.TargetNamespace} already exists as a view; use -Drop to replace it."
                : $"The target {ns.TargetNamespace} already holds {Held(ns, count)}; use -Drop to replace it, -Resume to finish a restore into it that was interrupted, or restore into another name.",
            target: ns.TargetNamespace);
    }

    /// <summary>
    /// TargetIncompatible when the existing target would not behave as the backup's collection: other options (a
    /// capped collection restored as an uncapped one, another collation...) or an index the backup's would clash with.
    /// Filling it would change what the data means, or fail at the indexes once the documents are in.
    /// </summary>
    private async Task<MongoBackupException?> ShapeRefusalAsync(IMongoDatabase db, PlannedNamespace ns, BsonDocument existing, CancellationToken ct)
    {
        var differences = CollectionOptionsComparison.Differences(ns.Type, ns.Metadata?.Options,
            existing.GetValue("type", CollectionMetadata.CollectionType).AsString, existing.GetValue("options", BsonNull.Value) as BsonDocument);
        if (differences.Count == 0 && buildsIndexes && !ns.IsView && ns.Metadata?.Indexes is { Count: > 0 } specs)
        {
            using var cursor = await db.GetCollection<BsonDocument>(ns.TargetCollection).Indexes.ListAsync(ct);
            var built = convertLegacyIndexes ? LegacyIndexConversion.Convert(specs, ns.TargetNamespace, stripUnknownOptions: false, _ => { }, _ => { }) : specs;
            differences = IndexConflicts.Find(built, await cursor.ToListAsync(ct));
        }
        return differences.Count == 0 ? null : new MongoBackupException(ErrorIds.TargetIncompatible,
            $"The target {ns.TargetNamespace} exists with options or indexes that differ from the backup's, so it was not restored " +
            $"(nothing written to it): {string.Join("; ", differences)}. Use -Drop to replace it with the backup's, or restore into another name.",
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
            command[option.Name] = option.Name switch
            {
                "viewOn" => MapViewSource(ns, option.Value.AsString),
                "pipeline" when ns.IsView && option.Value is BsonArray pipeline => Oplog.Replay.ViewPipelineRenames.Rename(pipeline,
                    ns.Source.Database, ns.Source.Collection, ns.TargetDatabase, map, restores ?? ((_, _) => true), warn),
                _ => option.Value,
            };
        }
        if (ns.IsTimeseries) command.Remove("clusteredIndex"); // implied by timeseries; refused when given
        await db.RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
    }

    /// <summary>A view follows its source collection when the restore renames it (its pipeline's references too: <see cref="CreateAsync"/>).</summary>
    private string MapViewSource(PlannedNamespace ns, string viewOn)
    {
        var (db, coll) = map.Map(ns.Source.Database, viewOn);
        return db == ns.TargetDatabase ? coll : viewOn;
    }
}

/// <summary>What <see cref="TargetPreparer.PrepareAsync"/> did with a target, so a failed restore of it can be taken back.</summary>
public enum PreparedTarget
{
    /// <summary>The restore created it (there was none, or -Drop dropped it).</summary>
    Created,
    /// <summary>An existing empty collection was kept, with its own options.</summary>
    KeptEmpty,
    /// <summary>An existing collection holding documents was kept to be filled in (-Resume).</summary>
    KeptWithData,
}
