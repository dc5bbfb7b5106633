using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Restore;

/// <summary>One Restore-MongoPointInTime run: the same choices as a restore, plus the repository and the moment.</summary>
public sealed record PointInTimeRestoreRequest
{
    /// <summary>Connection, filters, renames, -Drop and the rest; its source is chosen by the run.</summary>
    public required RestoreRequest Restore { get; init; }
    /// <summary>The repository holding the full snapshots and slices.</summary>
    public required ISnapshotRepository Repository { get; init; }
    /// <summary>The moment to restore to, inclusive (-PointInTime or -ClusterTime).</summary>
    public required OplogLimit Limit { get; init; }
    /// <summary>
    /// The id of the source to restore (-SourceId, <see cref="SourceGroup.SourceId"/>: a replica set's replicaSetId, a
    /// cluster's clusterId, or a name and oldest snapshot's id for a source that recorded none), for a
    /// repository holding snapshots of several sources whose windows reach the moment; null: the only one that does.
    /// </summary>
    public string? SourceId { get; init; }
}

/// <summary>What a point-in-time restore did: the plan it chose and the restore's own outcome.</summary>
public sealed record PointInTimeOutcome(RestoreWindow Window, OplogLimit Limit, RestoreOutcome Restore)
{
    /// <summary>
    /// Oplog entries applied from the slices (the base snapshot's own are in the restore's OplogEntriesApplied).
    /// </summary>
    public long SliceEntriesApplied { get; init; }

    /// <summary>
    /// How many of the window's slices were replayed: all of them once the replay ran into something the restore holds
    /// (a slice may hold only no-ops, so its entries alone do not say it); none when it never began, or when every
    /// namespace was refused before it (TargetNotEmpty, say), so that nothing could take a slice's writes.
    /// </summary>
    public int SlicesApplied =>
        Restore.OplogReplayBegun && (SliceEntriesApplied > 0 || Restore.Namespaces.Any(n => n.Error is null)) ? Window.Slices.Count : 0;
}

/// <summary>
/// Restores to a moment: the newest full snapshot consistent at or before it, then its own oplog and the oplog slices
/// after its consistency point, up to and including the moment, replayed as one. A transaction applies when its
/// commit is at or before the moment, whole; one committed after it applies not at all. A moment outside every
/// restore window is refused before anything is written, naming the windows there are.
/// </summary>
public sealed class PointInTimeRestoreRunner(IEngineObserver observer)
{
    /// <summary>The window a restore to the request's moment uses, from one listing of the repository.</summary>
    /// <exception cref="MongoBackupException">OutsideRestoreWindow or ScopeNotCovered, naming the windows there are.</exception>
    public static Task<RestoreWindow> PlanAsync(PointInTimeRestoreRequest request, CancellationToken ct) =>
        PlanAsync(request, new SnapshotCatalog(request.Repository), ct);

    /// <summary>
    /// The window, chosen from the command's <paramref name="catalog"/>, through the moment only
    /// (<see cref="RestoreWindow.Through"/>: the slices after it are not the restore's); refused when the key given opens
    /// only part of that (<see cref="WindowKeys"/>).
    /// </summary>
    public static async Task<RestoreWindow> PlanAsync(PointInTimeRestoreRequest request, SnapshotCatalog catalog, CancellationToken ct)
    {
        var window = RestoreWindows.Choose(await catalog.CompleteAsync(ct), request.Limit, request.Restore.Filter, request.Repository.Location, request.SourceId)
            .Through(request.Limit);
        WindowKeys.Require(window, request.Restore.Encryption, request.Repository.Location);
        return window;
    }

    /// <summary>
    /// The restore of <paramref name="window"/>'s base snapshot that a restore to the request's moment runs (and -WhatIf
    /// checks): its <see cref="RestoreRequest.Moment"/> is the moment in UTC, or the cluster time when one was given.
    /// </summary>
    public static RestoreRequest RestoreRequestFor(PointInTimeRestoreRequest request, RestoreWindow window) => request.Restore with
    {
        Snapshot = new RepositorySnapshot(request.Repository, window.BaseSnapshot.Id),
        Moment = request.Limit.WallTime is { } wall ? OplogLimit.InUtc(wall) : request.Limit.Timestamp.ToString(),
    };

    /// <summary>Chooses the window (one listing of the repository), then restores through it.</summary>
    public async Task<PointInTimeOutcome> RunAsync(PointInTimeRestoreRequest request, CancellationToken ct) =>
        await RunAsync(request, await PlanAsync(request, ct), ct);

    /// <summary>
    /// Restores through <paramref name="window"/>, the one a plan chose (and the user confirmed): the repository is
    /// not listed again; the base snapshot's manifest is read by its id. Only the slices up to the moment are leased,
    /// verified, replayed and reported (<see cref="RestoreWindow.Through"/>).
    /// </summary>
    public Task<PointInTimeOutcome> RunAsync(PointInTimeRestoreRequest request, RestoreWindow window, CancellationToken ct) =>
        RunAsync(request, window, shown: null, ct);

    /// <summary>
    /// Restores through <paramref name="window"/>, as <see cref="RunAsync(PointInTimeRestoreRequest, RestoreWindow, CancellationToken)"/>,
    /// creating what <paramref name="shown"/> lists the oplog creating (what -WhatIf or the prompt showed the user), checked
    /// and created without reading the oplog for it again. Shown for another request or window, or found by a read the
    /// oplog's damage cut short, it is not taken: the run finds what the oplog creates itself, as without it.
    /// </summary>
    public async Task<PointInTimeOutcome> RunAsync(PointInTimeRestoreRequest request, RestoreWindow window, PointInTimeOplogCreations? shown, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(window);
        window = window.Through(request.Limit);
        var created = shown?.FoundFor(request, window);
        var baseSnapshot = window.BaseSnapshot;
        observer.Verbose($"Restoring {request.Limit} from snapshot {baseSnapshot.Id} (consistent at {baseSnapshot.ConsistentAt!.Timestamp}) and {window.Slices.Count} oplog slices.");
        // The slices are read last: held from the start so no removal takes one half-way (the base holds its own).
        await using var slicesLease = await SnapshotReadLease.AcquireAsync(request.Repository, window.Slices.Select(s => s.Id).ToList(),
            "point-in-time restore", observer, ct);

        // A slice is one stream for every namespace: damage in it is refused whole, before anything is written.
        if (request.Restore.VerifyBeforeRestore != false)
            foreach (var slice in window.Slices)
            {
                using var sliceKey = SnapshotEncryption.Open(slice, request.Restore.Encryption);
                // A cluster slice is checked as a whole, then each shard's part as the replica-set slice it is.
                if (slice.Cluster is not null) SnapshotIntegrity.RequireConsistent(slice);
                try
                {
                    foreach (var part in slice.Cluster is null ? [slice] : ShardSnapshotViews.Of(slice))
                        await SnapshotIntegrity.VerifyAsync(request.Repository, part, sliceKey, ct);
                }
                catch (Formats.CorruptDumpException e) { throw e.ToCorruptFile(); }
            }
        if (baseSnapshot.Cluster is not null) return await RunClusterAsync(request, window, created, ct);
        using var target = MongoConnection.Open(request.Restore.Connection);
        var (restore, sliceEntries) = await new RestoreRunner(observer).RunAsync(RestoreRequestFor(request, window), target, SliceSegments(request, window, ct), created, ct);
        return new PointInTimeOutcome(window, request.Limit, restore) { SliceEntriesApplied = sliceEntries };
    }

    /// <summary>
    /// The window's slices as the segment replayed after a replica set's base snapshot's own oplog (none without slices):
    /// one replay, so a transaction open at the snapshot's consistency point commits (or not) in the slices, and the
    /// indexes are built once, after all of it. The run replays it; a plan reads it the same way for what it creates.
    /// </summary>
    internal static IReadOnlyList<OplogSegment> SliceSegments(PointInTimeRestoreRequest request, RestoreWindow window, CancellationToken ct) =>
        window.Slices.Count == 0 ? [] :
        [
            new OplogSegment($"the oplog slices after snapshot {window.BaseSnapshot.Id}", SliceEntries.ReadAsync(request.Repository, window.Slices, request.Restore.Encryption, ct))
            {
                After = window.BaseSnapshot.ConsistentAt!.Timestamp, Limit = request.Limit,
                Reread = () => SliceEntries.ReadAsync(request.Repository, window.Slices, request.Restore.Encryption, ct),
            },
        ];

    /// <summary>
    /// Through a cluster window: the snapshot's shards restored as one dump (into a replica set or standalone server, or
    /// through a mongos sharded as the snapshot records, <see cref="ShardedRestoreTarget"/>),
    /// then every shard's oplog, the snapshot's and the slices', merged into one stream and replayed to the moment
    /// (<see cref="Cluster.ClusterOplogToMoment"/>), in place of the snapshot's own merged oplog. Into a mongos, past the
    /// base snapshot, a warning says the zones are the base snapshot's (<see cref="ClusterRestoreWarnings.ZonesAsOfBase"/>);
    /// and admin's own collections, when the base snapshot holds some the restore takes, are as it read them
    /// (<see cref="ClusterRestoreWarnings.AdminAsRead"/>).
    /// </summary>
    private async Task<PointInTimeOutcome> RunClusterAsync(PointInTimeRestoreRequest request, RestoreWindow window,
        IReadOnlyList<OplogCreatedNamespace>? created, CancellationToken ct)
    {
        await using var oplog = new Cluster.ClusterOplogToMoment(request.Repository, window.BaseSnapshot, window.Slices, request.Restore.Encryption, ct);
        // The same merge again, read once ahead of the replay for what it creates on the target (each merge is read once).
        await using var ahead = new Cluster.ClusterOplogToMoment(request.Repository, window.BaseSnapshot, window.Slices, request.Restore.Encryption, ct);
        using var target = MongoConnection.Open(request.Restore.Connection);
        if ((await ServerTopology.DiscoverAsync(target.Client, ct, allowMongos: true)).Kind == TopologyKind.Sharded
            && ClusterRestoreWarnings.ZonesAsOfBase(window.BaseSnapshot, window.Slices.Count) is { } zones)
            observer.Warning(zones);
        if (ClusterRestoreWarnings.AdminAsRead(window.BaseSnapshot, request.Restore.Filter) is { } admin) observer.Warning(admin);
        var restore = RestoreRequestFor(request, window) with { DumpOplog = oplog.Snapshot with { Reread = () => ahead.Snapshot.Entries } };
        var slices = oplog.Slices(request.Limit) with { Reread = () => ahead.Slices(request.Limit).Entries };
        var (outcome, sliceEntries) = await new RestoreRunner(observer).RunAsync(restore, target, [slices], created, ct);
        return new PointInTimeOutcome(window, request.Limit, outcome) { SliceEntriesApplied = sliceEntries };
    }
}
