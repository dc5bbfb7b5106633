using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The targets a replay creates that the restore did not take from its files: a collection (or view, or time-series
/// collection) created, or renamed onto, by the replayed oplog (made after the base snapshot, or while the dump was
/// taken). They are held to the rule of every restored target before the replay writes anything: one that already holds
/// documents (or is a view) on the target is not touched (TargetNotEmpty, and the replay writes nothing to it), nor is an
/// empty one of other options than the oplog's create gives it (TargetIncompatible: a capped collection would go into a
/// plain one, as a restore from files refuses, <see cref="TargetPreparer"/>), unless
/// -Drop replaces it, or -Resume finishes this same restore in it (its record names the same snapshot and moment,
/// <see cref="RestoreRecords"/>). Each is listed in the result as any restored namespace is.
/// </summary>
/// <param name="recordsOnlyInExistingDatabases">Into a mongos: no record is written into a database the target does not have yet.</param>
internal sealed class ReplayCreatedTargets(IMongoClient client, RestoreRequest request, IEngineObserver observer, bool recordsOnlyInExistingDatabases = false)
{
    /// <summary>
    /// Finds in <paramref name="segments"/> what the replay creates within <paramref name="coverage"/> beyond what
    /// <paramref name="state"/> holds or has failed, checks each target, adds each one's result to <paramref name="outcome"/>
    /// and fails in <paramref name="state"/> those refused, so the replay leaves them alone.
    /// </summary>
    /// <param name="found">
    /// What <see cref="FindAsync"/> found over these same <paramref name="segments"/> and <paramref name="coverage"/> before
    /// the restore wrote anything (<see cref="RequireRenamesFitAsync"/>, a point-in-time plan), leaving out fewer namespaces
    /// than <paramref name="outcome"/> holds: used in place of reading the oplog again. Null: the oplog is read here.
    /// </param>
    public async Task PrepareAsync(IReadOnlyList<OplogSegment> segments, ReplayCoverage coverage, ReplayState state, RestoreOutcome outcome,
        IReadOnlyList<OplogCreatedNamespace>? found, CancellationToken ct)
    {
        var restored = outcome.Namespaces.Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal);
        // FindAsync leaves the restored namespaces out before it keeps the first creation of each, so leaving them out of
        // what an earlier read found gives the same list, in the same order, with the same types and options.
        var created = found is null
            ? await FindAsync(segments, coverage, restored, ct)
            : found.Where(c => !restored.Contains(c.Database + "." + c.Collection)).ToList();
        var identity = RestoreIdentity.Of(request);
        // Who each target already belongs to: a namespace restored from the files, or one created earlier in the oplog.
        var owners = outcome.Namespaces.GroupBy(n => n.TargetNamespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().SourceNamespace, StringComparer.Ordinal);
        foreach (var (database, collection, type, options) in created)
        {
            var source = database + "." + collection;
            var (targetDb, targetCollection) = request.Map.Map(database, collection);
            var result = new NamespaceRestoreResult(source, targetDb + "." + targetCollection, type) { Stage = NamespaceRestoreStage.Created };
            outcome.Namespaces.Add(result);
            var db = client.GetDatabase(targetDb);
            var refused = owners.TryGetValue(result.TargetNamespace, out var owner)
                ? OntoOneTarget(result, owner)
                : await RefusalAsync(db, result, options, identity, ct);
            owners.TryAdd(result.TargetNamespace, source);
            if (refused is not null)
            {
                state.Fail(source, refused.Message);
                NamespaceFailures.Record(observer, result, refused);
                continue;
            }
            // Recorded for a -Resume, in a database that exists: into a mongos, a record would create a new database on
            // a shard of the cluster's choosing, where the replay creates it on its source's primary shard.
            if (!recordsOnlyInExistingDatabases || await ExistsAsync(targetDb, ct))
                await RestoreRecords.WriteAsync(db, targetCollection, identity, ct);
        }
    }

    /// <summary>
    /// Refuses, before anything is written, renames that send what the replay of <paramref name="segments"/> creates onto
    /// the target of a namespace of <paramref name="plan"/> or of another created one, into a system namespace, or through a
    /// -NamespaceMap rule a -RenameDatabase rule shadows: the checks <see cref="RestorePlanner"/> makes of the files' namespaces.
    /// Reads the oplog only when the restore renames, and not at all when <paramref name="found"/> gives what it creates; an
    /// oplog that cannot be read to its end is left to the replay, which refuses it whole. Returns what it found (or was
    /// given), for <see cref="PrepareAsync"/> to check the targets of without reading the oplog again; null when it read nothing.
    /// </summary>
    /// <param name="found">What <see cref="FindAsync"/> found over these segments, coverage and plan before (a point-in-time plan); null: read them.</param>
    /// <exception cref="MongoBackupException">InvalidArgument, naming the sources and the target.</exception>
    public static async Task<IReadOnlyList<OplogCreatedNamespace>?> RequireRenamesFitAsync(RestoreRequest request, IReadOnlyList<PlannedNamespace> plan,
        IReadOnlyList<OplogSegment> segments, ReplayCoverage coverage, IReadOnlyList<OplogCreatedNamespace>? found, CancellationToken ct)
    {
        if (request.NoOplogReplay || segments.Count == 0) return null;
        var created = found;
        if (created is null)
        {
            if (request.Map.IsIdentity || segments.Any(s => s.Reread is null)) return null;
            try
            {
                created = await FindAsync(segments, coverage, plan.Select(p => p.SourceNamespace).ToHashSet(StringComparer.Ordinal), ct);
            }
            catch (Exception e) when (e is CorruptDumpException or InvalidDataException or MongoBackupException { ErrorId: ErrorIds.CorruptFile })
            {
                return null;
            }
        }
        if (request.Map.IsIdentity) return created;
        var renames = new List<(string, string)>(plan.Select(p => (p.SourceNamespace, p.TargetNamespace)));
        foreach (var (database, collection, type, _) in created)
        {
            var source = database + "." + collection;
            RestorePlanner.RequireNoShadowedRule(request.Map, source);
            var (targetDb, targetCollection) = request.Map.Map(database, collection);
            RestorePlanner.RequireUserDatabaseTarget(request.Map, database, collection, targetDb, targetCollection);
            if ((targetDb, targetCollection) != (database, collection)
                && NamespaceNames.ReservedTargetProblem(targetDb, targetCollection, type == Formats.CollectionMetadata.CollectionType) is { } reserved)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"Cannot restore {source}, which the replayed oplog creates, into {targetDb}.{targetCollection}: that is a system namespace, " +
                    $"and a rename may not target one: {reserved}. Nothing was written. Rename it to an ordinary name (-RenameDatabase, -NamespaceMap).",
                    target: targetDb + "." + targetCollection);
            renames.Add((source, targetDb + "." + targetCollection));
        }
        RestorePlanner.RequireDistinctTargets(renames);
        return created;
    }

    /// <summary>
    /// The source namespaces <paramref name="segments"/> create within <paramref name="coverage"/> (user collections,
    /// views and time-series collections; not a rename's or a convertToCapped's temporary copy), leaving out <paramref name="planned"/> (those
    /// restored from the files, whose targets are prepared as such), in the order first met, each with its type.
    /// </summary>
    public static Task<IReadOnlyList<OplogCreatedNamespace>> FindAsync(IReadOnlyList<OplogSegment> segments,
        ReplayCoverage coverage, IReadOnlySet<string> planned, CancellationToken ct) =>
        OplogNamespaceProbe.CreatedAsync(segments, Takes(coverage, planned), ct);

    /// <summary>What <see cref="FindAsync"/> finds, one entry at a time: for a pass that reads the oplog for another reason.</summary>
    internal static OplogCreationFinder Finder(ReplayCoverage coverage, IReadOnlySet<string> planned) => new(Takes(coverage, planned));

    private static Func<string, string, bool> Takes(ReplayCoverage coverage, IReadOnlySet<string> planned) => (db, collection) =>
        !OplogForms.IsServerDatabase(db) && !SystemCollections.IsServerOwned(collection) && !SystemCollections.IsRenameCopy(collection)
        && SystemCollections.ConvertToCappedSource(collection) is null
        && collection != SystemCollections.Views && coverage.Covers(db, collection) && !planned.Contains(db + "." + collection);

    /// <summary>
    /// Two sources onto one target: <paramref name="result"/>'s source is mapped (-NamespaceMap, -RenameDatabase) onto the
    /// target of <paramref name="owner"/>, restored from the files or created earlier in the oplog. Merging them, or
    /// -Drop dropping what this restore just wrote there, would each lose a source, so this one is left out.
    /// </summary>
    private static MongoBackupException OntoOneTarget(NamespaceRestoreResult result, string owner) => new(ErrorIds.InvalidArgument,
        $"{owner} and {result.SourceNamespace} would both be restored into {result.TargetNamespace} (two sources onto one target: " +
        $"the replayed oplog creates {result.SourceNamespace}), so {result.SourceNamespace} was not restored and nothing of it was written; " +
        $"{result.TargetNamespace} holds {owner}. Map them to different names (-NamespaceMap, -RenameDatabase).", target: result.TargetNamespace);

    /// <summary>
    /// Why the replay must not create <paramref name="result"/>'s target: it holds documents or is a view, or it is empty
    /// but would not behave as the source's (another kind, or other <paramref name="options"/> than the oplog's create
    /// gives it: the rule of a restore from files, <see cref="CollectionOptionsComparison"/>), without -Drop (which drops
    /// it here, for the replay to create it again) or a -Resume of this same restore. Null when it may.
    /// </summary>
    private async Task<MongoBackupException?> RefusalAsync(IMongoDatabase db, NamespaceRestoreResult result, BsonDocument? options, RestoreIdentity identity,
        CancellationToken ct)
    {
        var collection = NamespaceName.Split(result.TargetNamespace).Collection;
        var (type, held, targetOptions) = await HeldAsync(db, collection, ct);
        if (type is null) return null;
        if (held is null && !request.Drop)
        {
            // Empty, and not to be replaced: nothing of the target's is lost by writing into it, but it is the DBA's own
            // (pre-created, perhaps with indexes or sharded), so it is kept as a restore from files keeps an empty target.
            // Only when it is another kind of thing than the source's (a collection where the oplog creates a view or a
            // time-series collection) would the replay not make what the source had: then -Drop must say to replace it.
            // Options are compared where the oplog's create says them (a rename's target has the renamed collection's).
            var differences = type == result.Type && options is not null
                ? CollectionOptionsComparison.Differences(result.Type, options, type, targetOptions) : [];
            if (differences.Count > 0)
                return new MongoBackupException(ErrorIds.TargetIncompatible,
                    $"The target {result.TargetNamespace} exists empty with options that differ from those the replayed oplog creates {result.SourceNamespace} with, " +
                    $"so it was not restored and nothing was written to it: {string.Join("; ", differences)}. Use -Drop to replace it with the source's, or restore into another name.",
                    target: result.TargetNamespace);
            if (type == result.Type)
            {
                observer.Verbose($"{result.TargetNamespace} exists empty: the replayed oplog's {result.SourceNamespace} goes into it, which keeps its own indexes.");
                return null;
            }
            return new MongoBackupException(ErrorIds.TargetIncompatible,
                $"The target {result.TargetNamespace} exists as an empty {Kind(type)}, and the replayed oplog creates {result.SourceNamespace} there as a " +
                $"{Kind(result.Type)}, so it was not restored and nothing was written to it. Use -Drop to replace it, or restore into another name.",
                target: result.TargetNamespace);
        }
        if (request.Drop)
        {
            observer.Verbose($"Dropping {result.TargetNamespace} ({held ?? "empty"}): the replayed oplog creates {result.SourceNamespace} there, and -Drop replaces it.");
            await db.DropCollectionAsync(collection, ct);
            return null;
        }
        var recorded = request.Resume ? await RestoreRecords.ReadAsync(db, collection, ct) : null;
        if (recorded is not null && recorded == identity) return null;
        var resume = !request.Resume ? ""
            : recorded is null ? $" -Resume does not take it: no interrupted restore of {identity} left it."
            : $" -Resume does not take it: it is under the record of an interrupted restore of {recorded}, not of {identity}.";
        return new MongoBackupException(ErrorIds.TargetNotEmpty,
            $"The target {result.TargetNamespace} already {held}, and the replayed oplog creates {result.SourceNamespace} there " +
            $"(a {(result.Type == CollectionMetadata.ViewType ? "view" : "collection")} created after the backup began: the replay writes into it, as the source did, even where the oplog drops it " +
            $"again later, which would drop the target's own with it), so it was not restored and nothing was written to it.{resume} " +
            "Use -Drop to replace it, or restore into another name.", target: result.TargetNamespace);
    }

    private static string Kind(string type) => type switch
    {
        CollectionMetadata.ViewType => "view",
        CollectionMetadata.TimeseriesType => "time-series collection",
        _ => "collection",
    };

    private async Task<bool> ExistsAsync(string database, CancellationToken ct)
    {
        using var cursor = await client.ListDatabaseNamesAsync(new ListDatabaseNamesOptions { Filter = new BsonDocument("name", database) }, ct);
        return await cursor.AnyAsync(ct);
    }

    /// <summary>
    /// The target's type (collection, timeseries, view; null when it does not exist) and what it holds ("holds 2 documents",
    /// "exists as a view"): null when it is empty (a time-series collection without buckets).
    /// </summary>
    internal static async Task<(string? Type, string? Held, BsonDocument? Options)> HeldAsync(IMongoDatabase db, string collection, CancellationToken ct)
    {
        using var cursor = await db.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", collection) }, ct);
        if (await cursor.FirstOrDefaultAsync(ct) is not { } existing) return (null, null, null);
        var type = existing.GetValue("type", CollectionMetadata.CollectionType).AsString;
        var options = existing.GetValue("options", BsonNull.Value) as BsonDocument;
        if (type == CollectionMetadata.ViewType) return (type, "exists as a view", options);
        var timeseries = type == CollectionMetadata.TimeseriesType;
        var count = await db.GetCollection<BsonDocument>(timeseries ? TimeseriesBuckets.Of(collection) : collection).EstimatedDocumentCountAsync(cancellationToken: ct);
        if (count == 0) return (type, null, options);
        return (type, timeseries
            ? $"holds {count:N0} time-series bucket{(count == 1 ? "" : "s")}"
            : $"holds {count:N0} document{(count == 1 ? "" : "s")}", options);
    }
}
