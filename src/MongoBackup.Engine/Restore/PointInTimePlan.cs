using System.Runtime.CompilerServices;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a point-in-time restore will do, worked out before anything is written: its window (base snapshot and
/// slices), the namespaces it takes from the base snapshot, and, when the snapshot holds none of what the filter
/// selects, whether the oplog it replays does (a collection or database created after the base snapshot).
/// </summary>
public sealed record PointInTimePlan(RestoreWindow Window, IReadOnlyList<PlannedNamespace> FromSnapshot, bool FromOplogOnly)
{
    /// <summary>Whether the restore writes anything at all.</summary>
    public bool IsEmpty => FromSnapshot.Count == 0 && !FromOplogOnly;

    /// <summary>
    /// The plan, listing the repository once; writes nothing.
    /// </summary>
    /// <exception cref="MongoBackupException">OutsideRestoreWindow or ScopeNotCovered when no window
    /// reaches the moment for what is asked, naming the windows there are.</exception>
    public static Task<PointInTimePlan> CreateAsync(PointInTimeRestoreRequest request, CancellationToken ct) =>
        CreateAsync(request, new SnapshotCatalog(request.Repository), ct);

    /// <summary>The plan, its window chosen from the command's <paramref name="catalog"/> (which a later run through that window shares).</summary>
    public static async Task<PointInTimePlan> CreateAsync(PointInTimeRestoreRequest request, SnapshotCatalog catalog, CancellationToken ct)
    {
        var window = await PointInTimeRestoreRunner.PlanAsync(request, catalog, ct);
        var restore = request.Restore with { Snapshot = new RepositorySnapshot(request.Repository, window.BaseSnapshot.Id) };
        var namespaces = await RestoreRunner.PlanAsync(restore, ct);
        if (namespaces.Count > 0 || request.Restore.NoOplogReplay) return new PointInTimePlan(window, namespaces, false);
        return new PointInTimePlan(window, namespaces, await OplogSelectsAsync(request, window, request.Restore.Filter, ct));
    }

    /// <summary>
    /// Whether the oplog the restore replays (the base snapshot's own, then the window's slices, up to the moment) writes
    /// to anything <paramref name="filter"/> selects within what the base snapshot covers: a name created after it.
    /// </summary>
    public static async Task<bool> OplogSelectsAsync(PointInTimeRestoreRequest request, RestoreWindow window, NamespaceFilter filter, CancellationToken ct)
    {
        try
        {
            return await OplogNamespaceProbe.AnyMatchAsync(OplogOf(request, window, ct), filter, window.Scope, request.Limit, ct);
        }
        catch (Formats.CorruptDumpException e)
        {
            throw e.ToCorruptFile(); // the oplog cannot be read to its end: the replay could not be either
        }
    }

    /// <summary>
    /// What the oplog the restore replays (the base snapshot's own, then the window's slices, up to the moment) creates
    /// beyond what <paramref name="plan"/> takes from the base snapshot, as the run finds it before it replays
    /// (<see cref="ReplayCreatedTargets.FindAsync"/>: the same creations, within the same coverage), each with its target
    /// under the renames and what that target is now on the server (for -WhatIf and the -Drop prompt: what the run would
    /// create, and what -Drop would replace). Reads the oplog once and the target's catalog; writes nothing. Empty with
    /// -NoOplogReplay.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile: the oplog cannot be read to its end (the replay could not either).</exception>
    public static async Task<IReadOnlyList<OplogCreatedTarget>> CreatedByOplogAsync(PointInTimeRestoreRequest request, PointInTimePlan plan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(plan);
        if (request.Restore.NoOplogReplay) return [];
        var window = plan.Window;
        var segment = new OplogSegment($"the oplog of snapshot {window.BaseSnapshot.Id} and its slices", OplogOf(request, window, ct))
        {
            Limit = request.Limit, Reread = () => OplogOf(request, window, ct),
        };
        var filter = request.Restore.Filter;
        IReadOnlyList<OplogCreatedNamespace> created;
        try
        {
            created = await ReplayCreatedTargets.FindAsync([segment], new ReplayCoverage(window.Scope, filter),
                plan.FromSnapshot.Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal), ct);
        }
        catch (Formats.CorruptDumpException e)
        {
            throw e.ToCorruptFile();
        }
        if (created.Count == 0) return [];
        using var target = Connection.MongoConnection.Open(request.Restore.Connection);
        var found = new List<OplogCreatedTarget>();
        foreach (var ns in created)
        {
            var (db, collection) = request.Restore.Map.Map(ns.Database, ns.Collection);
            var (type, held, options) = await ReplayCreatedTargets.HeldAsync(target.Client.GetDatabase(db), collection, ct);
            var planned = new OplogCreatedTarget(ns.Database + "." + ns.Collection, db + "." + collection, ns.Type, type is null ? null : held ?? "exists empty");
            found.Add(planned with { Refusal = type is null || request.Restore.Drop ? null : Refusal(planned, ns, type, held, options) });
        }
        return found;
    }

    /// <summary>
    /// Why the run would leave an existing target alone without -Drop (<see cref="ReplayCreatedTargets"/>' rule): it holds
    /// documents or is a view (TargetNotEmpty), or it is empty but another kind or of other options (TargetIncompatible).
    /// A -Resume's record is not read here: -WhatIf says what a new restore would do.
    /// </summary>
    private static MongoBackupException? Refusal(OplogCreatedTarget planned, OplogCreatedNamespace created, string type, string? held, MongoDB.Bson.BsonDocument? options)
    {
        if (held is not null)
            return new MongoBackupException(ErrorIds.TargetNotEmpty,
                $"The target {planned.TargetNamespace} already {held}, and the replayed oplog creates {planned.SourceNamespace} there. Use -Drop to replace it, or restore into another name.",
                target: planned.TargetNamespace);
        var differences = type != created.Type ? [$"type: {created.Type} in the oplog, {type} on the target"]
            : created.Options is null ? [] : CollectionOptionsComparison.Differences(created.Type, created.Options, type, options);
        return differences.Count == 0 ? null : new MongoBackupException(ErrorIds.TargetIncompatible,
            $"The target {planned.TargetNamespace} exists empty but differs from what the replayed oplog creates {planned.SourceNamespace} as: " +
            $"{string.Join("; ", differences)}. Use -Drop to replace it, or restore into another name.", target: planned.TargetNamespace);
    }

    /// <summary>Every entry the restore would replay: the base snapshot's own oplog, then the window's slices.</summary>
    private static async IAsyncEnumerable<byte[]> OplogOf(PointInTimeRestoreRequest request, RestoreWindow window, [EnumeratorCancellation] CancellationToken ct)
    {
        if (window.BaseSnapshot.Cluster is not null)
        {
            await using var cluster = new Cluster.ClusterOplogToMoment(request.Repository, window.BaseSnapshot, window.Slices, request.Restore.Encryption, ct);
            await foreach (var entry in cluster.Snapshot.Entries) yield return entry;
            await foreach (var entry in cluster.Slices(request.Limit).Entries) yield return entry;
            yield break;
        }
        var keys = request.Restore.Encryption;
        await using (var reader = await SnapshotDumpReader.OpenAsync(request.Repository, window.BaseSnapshot, SnapshotEncryption.Open(window.BaseSnapshot, keys), ct))
            await foreach (var entry in reader.ReadOplogAsync(ct))
                yield return entry;
        await foreach (var entry in SliceEntries.ReadAsync(request.Repository, window.Slices, keys, ct))
            yield return entry;
    }
}

/// <summary>
/// A namespace the replayed oplog of a point-in-time restore creates (<see cref="PointInTimePlan.CreatedByOplogAsync"/>):
/// its source "db.coll", its target under the renames, what it is ("collection", "timeseries", "view"), and what the
/// target holds now ("holds 2 documents", "exists empty", "exists as a view"; null when it does not exist).
/// </summary>
public sealed record OplogCreatedTarget(string SourceNamespace, string TargetNamespace, string Type, string? Existing)
{
    /// <summary>Why the run would not restore it (an existing target, without -Drop); null when it would.</summary>
    public MongoBackupException? Refusal { get; init; }
}
