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
    public static async Task<bool> OplogSelectsAsync(PointInTimeRestoreRequest request, RestoreWindow window, NamespaceFilter filter, CancellationToken ct) =>
        (await OplogSelectsEachAsync(request, window, [filter], ct))[0];

    /// <summary>
    /// <see cref="OplogSelectsAsync"/> for each of <paramref name="filters"/> (the rename patterns that match nothing in the
    /// base snapshot, say), in one read of the oplog, ended once each has matched: one answer per filter, in their order.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile: the oplog cannot be read as far as it is needed.</exception>
    public static async Task<IReadOnlyList<bool>> OplogSelectsEachAsync(PointInTimeRestoreRequest request, RestoreWindow window,
        IReadOnlyList<NamespaceFilter> filters, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0) return [];
        try
        {
            return await OplogNamespaceProbe.EachMatchesAsync(OplogOf(request, window, ct), filters, window.Scope, request.Limit, ct);
        }
        catch (Formats.CorruptDumpException e)
        {
            throw e.ToCorruptFile(); // the oplog cannot be read to its end: the replay could not be either
        }
    }

    /// <summary>
    /// What the oplog the restore replays (the base snapshot's own, then the window's slices, up to the moment) creates
    /// beyond what <paramref name="plan"/> takes from the base snapshot, found as the run finds it before it replays
    /// (<see cref="ReplayCreatedTargets.FindAsync"/> over the run's own segments, within the run's coverage), each with its
    /// target under the renames and what that target is now on the server (for -WhatIf and the prompts: what the run would
    /// create, and what -Drop would replace). Handed to <see cref="PointInTimeRestoreRunner.RunAsync(PointInTimeRestoreRequest, RestoreWindow, PointInTimeOplogCreations?, CancellationToken)"/>,
    /// the run creates what this shows without reading the oplog for it again. Reads the oplog once and the target's
    /// catalog; writes nothing. Empty with -NoOplogReplay.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile: the oplog cannot be read to its end (the replay could not either).</exception>
    public static async Task<PointInTimeOplogCreations> CreatedByOplogAsync(PointInTimeRestoreRequest request, PointInTimePlan plan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(plan);
        var window = plan.Window;
        if (request.Restore.NoOplogReplay) return new PointInTimeOplogCreations(request, window, [], []);
        // The base snapshot as the run opens it, for the same coverage (its scope, the filter preferring its exact names);
        // not verified here: the run verifies its files before it writes, and a read cut short is not handed to it.
        var restore = PointInTimeRestoreRunner.RestoreRequestFor(request, window) with { VerifyBeforeRestore = false };
        var (reader, scope) = await RestoreSource.OpenAsync(restore, leaseFor: null, ct);
        await using var source = reader;
        // A cluster's oplog is its shards' chains merged once, readable once: read here through a merge of its own.
        await using var cluster = window.BaseSnapshot.Cluster is null ? null
            : new Cluster.ClusterOplogToMoment(request.Repository, window.BaseSnapshot, window.Slices, request.Restore.Encryption, ct);
        IReadOnlyList<OplogSegment> segments = cluster is null
            ? OplogReplayPhase.Segments(restore, reader, PointInTimeRestoreRunner.SliceSegments(request, window, ct), ct)
            : [cluster.Snapshot with { Reread = () => cluster.Snapshot.Entries }, cluster.Slices(request.Limit) with { Reread = () => cluster.Slices(request.Limit).Entries }];
        var cutShort = false;
        var read = segments.Select(s => s with { Reread = s.Reread is { } again ? () => NotingFailure(again(), () => cutShort = true, ct) : null }).ToList();
        IReadOnlyList<OplogCreatedNamespace> created;
        try
        {
            created = await ReplayCreatedTargets.FindAsync(read, new ReplayCoverage(scope, RestorePlanner.EffectiveFilter(reader, request.Restore.Filter)),
                plan.FromSnapshot.Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal), ct);
        }
        catch (Formats.CorruptDumpException e)
        {
            throw e.ToCorruptFile();
        }
        var found = new List<OplogCreatedTarget>();
        if (created.Count > 0)
        {
            using var target = Connection.MongoConnection.Open(request.Restore.Connection);
            foreach (var ns in created)
            {
                var (db, collection) = request.Restore.Map.Map(ns.Database, ns.Collection);
                var (type, held, options) = await ReplayCreatedTargets.HeldAsync(target.Client.GetDatabase(db), collection, ct);
                var planned = new OplogCreatedTarget(ns.Database + "." + ns.Collection, db + "." + collection, ns.Type, type is null ? null : held ?? "exists empty");
                found.Add(planned with { Refusal = type is null || request.Restore.Drop ? null : Refusal(planned, ns, type, held, options) });
            }
        }
        return new PointInTimeOplogCreations(request, window, cutShort ? null : created, found);
    }

    /// <summary><paramref name="entries"/> as they are, calling <paramref name="failed"/> when reading them throws (damage, a file gone).</summary>
    private static async IAsyncEnumerable<byte[]> NotingFailure(IAsyncEnumerable<byte[]> entries, Action failed, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var entry = entries.GetAsyncEnumerator(ct);
        while (true)
        {
            bool more;
            try { more = await entry.MoveNextAsync(); }
            catch
            {
                failed();
                throw;
            }
            if (!more) yield break;
            yield return entry.Current;
        }
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

/// <summary>
/// What the oplog a point-in-time restore replays creates beyond its base snapshot's files
/// (<see cref="PointInTimePlan.CreatedByOplogAsync"/>): the targets shown to the user, and what was found, for the run
/// through the same window to create exactly those without reading the oplog again.
/// </summary>
public sealed class PointInTimeOplogCreations
{
    private readonly PointInTimeRestoreRequest _request;
    private readonly RestoreWindow _window;
    private readonly IReadOnlyList<OplogCreatedNamespace>? _found;

    internal PointInTimeOplogCreations(PointInTimeRestoreRequest request, RestoreWindow window, IReadOnlyList<OplogCreatedNamespace>? found,
        IReadOnlyList<OplogCreatedTarget> targets)
    {
        (_request, _window, _found) = (request, window, found);
        Targets = targets;
    }

    /// <summary>Each namespace the oplog creates, its target, and what that target is now.</summary>
    public IReadOnlyList<OplogCreatedTarget> Targets { get; }

    /// <summary>
    /// What was found, for a run of <paramref name="request"/> through <paramref name="window"/>: null when it was found for
    /// another request or window (its oplog, filter or renames may differ), or by a read that damage cut short (the
    /// run's own read decides then, as it always did).
    /// </summary>
    internal IReadOnlyList<OplogCreatedNamespace>? FoundFor(PointInTimeRestoreRequest request, RestoreWindow window) =>
        request.Equals(_request) && window.BaseSnapshot.Id == _window.BaseSnapshot.Id
            && window.Slices.Select(s => s.Id).SequenceEqual(_window.Slices.Select(s => s.Id)) ? _found : null;
}
