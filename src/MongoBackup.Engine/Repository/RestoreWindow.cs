namespace MongoBackup.Engine.Repository;

/// <summary>
/// A continuous span of time a point-in-time restore can reach: from a full snapshot's consistency point through an
/// unbroken chain of oplog slices, for what that snapshot covers (<see cref="Scope"/>). Both ends are inclusive.
/// </summary>
public sealed record RestoreWindow(
    string? ReplicaSetName,
    OplogTimestamp From,
    OplogTimestamp To,
    SnapshotManifest BaseSnapshot,
    IReadOnlyList<SnapshotManifest> Slices)
{
    /// <summary>
    /// The id of the source whose slices the window runs through (<see cref="SourceGroup.SourceId"/>: a replica set's
    /// replicaSetId, a cluster's clusterId; for a source that recorded none, its name and oldest snapshot's id).
    /// </summary>
    public string? SourceId { get; init; }

    /// <summary>What a restore in this window can take: the base snapshot's scope.</summary>
    public SnapshotScope Scope => BaseSnapshot.EffectiveScope;

    /// <summary>Where the slice chain breaks right after this window ends (slices missing, or oplog lost); null when it does not.</summary>
    public ChainBreak? BreakAfter { get; init; }

    /// <summary>
    /// When no break follows the window but a later full snapshot of its source does, with no slice between: the span
    /// no slice has captured (yet), from this window's end to that snapshot's consistency point; null otherwise.
    /// </summary>
    public UncapturedSpan? UncapturedAfter { get; init; }

    /// <summary>Why the window ends before the newest moment of its source: <see cref="BreakAfter"/>, or else <see cref="UncapturedAfter"/>; null when nothing follows it.</summary>
    public string? EndsBecause => BreakAfter?.ToString() ?? UncapturedAfter?.ToString();

    /// <summary>
    /// The wall time of <see cref="From"/> to the millisecond (a -PointInTime is compared with wall times): the base
    /// snapshot's consistency point; its timestamp's own second where the manifest has no wall time for it.
    /// </summary>
    public DateTimeOffset FromWallTime =>
        BaseSnapshot.ConsistentAt is { } start && start.Timestamp == From ? start.WallTime : From.WallTime;

    /// <summary>The wall time of <see cref="To"/> to the millisecond: the consistency point of the slice (or snapshot) holding the window's last entry.</summary>
    public DateTimeOffset ToWallTime =>
        (Slices.LastOrDefault(s => s.ConsistentAt?.Timestamp == To)?.ConsistentAt
         ?? (BaseSnapshot.ConsistentAt?.Timestamp == To ? BaseSnapshot.ConsistentAt : null))?.WallTime ?? To.WallTime;

    /// <summary>Whether <paramref name="moment"/> is inside the window, both ends included.</summary>
    public bool Contains(OplogTimestamp moment) => From <= moment && moment <= To;

    /// <summary>Whether this window reaches every moment <paramref name="other"/> does, for everything it covers.</summary>
    public bool Outlasts(RestoreWindow other) =>
        SameSource(other) && From <= other.From && To >= other.To && ScopeCoverage.Contains(Scope, other.Scope);

    /// <summary>
    /// Whether two windows are of one source: the same base snapshot; or the same name and id (<see cref="SnapshotSources.Group"/>).
    /// </summary>
    public bool SameSource(RestoreWindow other) =>
        ReferenceEquals(BaseSnapshot, other.BaseSnapshot)
        || ReplicaSetName == other.ReplicaSetName && string.Equals(SourceId, other.SourceId, StringComparison.OrdinalIgnoreCase)
            && (BaseSnapshot.Cluster is null) == (other.BaseSnapshot.Cluster is null);

    /// <summary>
    /// The part of this window a restore to <paramref name="limit"/> replays: its slices up to and including the first whose
    /// last entry the replay stops by (<see cref="OplogLimit.StopsBy"/>), none when the base snapshot's consistency point
    /// is already the moment; <see cref="To"/> is then the last of them's end. A slice after the moment is neither read,
    /// verified, leased nor reported, so its damage or removal does not touch a restore to an earlier moment. This window
    /// itself when every slice is needed.
    /// </summary>
    public RestoreWindow Through(OplogLimit limit)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var needed = new List<SnapshotManifest>();
        if (BaseSnapshot.ConsistentAt is not { } start || !limit.StopsBy(start))
            foreach (var slice in Slices)
            {
                needed.Add(slice);
                if (limit.StopsBy(slice.ConsistentAt ?? new ConsistencyPoint(slice.OplogEnd!.Value, slice.OplogEnd.Value.WallTime))) break;
            }
        if (needed.Count == Slices.Count) return this;
        return this with { To = needed.Count == 0 ? From : needed[^1].OplogEnd!.Value, Slices = needed, BreakAfter = null, UncapturedAfter = null };
    }

    /// <inheritdoc/>
    public override string ToString() => Describe(OplogLimit.AtClusterTime(From));

    /// <summary>The window's ends as messages about <paramref name="limit"/> name them: wall times to the millisecond (<see cref="OplogLimit.Show"/>) and timestamps.</summary>
    public string Describe(OplogLimit limit) => $"{limit.Show(FromWallTime)} ({From}) to {limit.Show(ToWallTime)} ({To})";
}

/// <summary>
/// A span after a restore window that no oplog slice holds, up to a later full snapshot of the same source: nothing is
/// missing from the chain, the span was simply never captured (no Backup-MongoOplog ran between the window's end and that
/// full backup). The next slice bridges it while the server's oplog still reaches back to <see cref="From"/>.
/// </summary>
/// <param name="From">The window's end, where no slice continues.</param>
/// <param name="FromWallTime">The wall time of <paramref name="From"/> to the millisecond (<see cref="RestoreWindow.ToWallTime"/>).</param>
/// <param name="NextFull">The first full snapshot of the source whose consistency point is after <paramref name="From"/>.</param>
public sealed record UncapturedSpan(OplogTimestamp From, DateTimeOffset FromWallTime, SnapshotManifest NextFull)
{
    /// <summary>The next full snapshot's consistency point: where the next window starts.</summary>
    public OplogTimestamp To => NextFull.ConsistentAt!.Timestamp;

    /// <inheritdoc/>
    public override string ToString() =>
        $"not captured yet: no oplog slice from {FromWallTime:u} ({From}) to {NextFull.ConsistentAt!.WallTime:u} ({To}), " +
        $"where full snapshot {NextFull.Id} starts the next window; the next Backup-MongoOplog saves the span while the server's oplog still reaches back to it";
}

/// <summary>
/// Works out restore windows from a repository's snapshots. The slices of each source (<see cref="SnapshotSources"/>: a
/// replica set's name and replicaSetId, a cluster's clusterId; never the name alone) form an <see cref="OplogChain"/>
/// of segments. The base of a window is a full snapshot of the chain (point-in-time consistent, not copy-only); it can
/// serve a restore to any moment from its consistency point to the end of the segment that covers that point, of what
/// its scope covers. A snapshot of some databases never stands in for a snapshot of all of them.
/// </summary>
public static class RestoreWindows
{
    /// <summary>
    /// Every window, oldest first: per segment, one for each scope among the full snapshots it covers (based on the
    /// oldest of them, which reaches furthest back). A window another one outlasts (as long, over as much) is left out.
    /// </summary>
    public static IReadOnlyList<RestoreWindow> Compute(IEnumerable<SnapshotManifest> snapshots)
    {
        var windows = new List<RestoreWindow>();
        foreach (var group in SnapshotSources.Group(snapshots.Where(s => s.Status == SnapshotStatus.Complete)))
        {
            var source = group.Snapshots;
            var bases = Bases(source).OrderBy(PointOf).ToList();
            var chain = OplogChain.Build(source.Where(s => s.Kind == SnapshotKind.Oplog), bases);
            var found = new List<RestoreWindow>();
            var covered = new HashSet<SnapshotManifest>();
            foreach (var segment in chain.Segments)
            {
                var inSegment = bases.Where(f => segment.Covers(PointOf(f))).ToList();
                covered.UnionWith(inSegment);
                foreach (var family in inSegment.GroupBy(f => f.EffectiveScope.ToString(), StringComparer.Ordinal))
                    found.Add(Window(family.First(), segment, chain, group.SourceId));
            }
            // A full snapshot no segment covers can still be restored to its own consistency point.
            foreach (var full in bases.Where(f => !covered.Contains(f)))
                found.Add(Window(full, null, chain, group.SourceId));
            // A window that ends with no break after it, though a later full snapshot of the source exists, ends because
            // no slice has captured the span between (a full backup taken while no slice ran): say so, as a break is said.
            windows.AddRange(found.Select(w => w.BreakAfter is null && bases.FirstOrDefault(f => PointOf(f) > w.To) is { } next
                ? w with { UncapturedAfter = new UncapturedSpan(w.To, w.ToWallTime, next) }
                : w));
        }
        // Of two windows that outlast each other (same span, same scope), the first stays.
        return windows.Where((window, i) =>
                !windows.Where((other, j) => j != i && other.Outlasts(window) && (!window.Outlasts(other) || j < i)).Any())
            .OrderBy(w => w.From).ToList();
    }

    /// <summary>
    /// The windows a restore of what <paramref name="filter"/> selects can use, oldest first: of <paramref name="windows"/>
    /// (<see cref="Compute"/>'s), those whose base snapshot covers the filter (<see cref="ScopeCoverage.Covers"/>, as
    /// <see cref="Choose"/> judges a base), less each one that another such window of the same source spans (from no later,
    /// to no earlier; of two equal spans the first stays), since for this filter the narrower scope no longer matters.
    /// </summary>
    public static IReadOnlyList<RestoreWindow> For(IReadOnlyList<RestoreWindow> windows, NamespaceFilter filter)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var covering = windows.Where(w => ScopeCoverage.Covers(w.Scope, filter)).ToList();
        return covering.Where((window, i) => !covering.Where((other, j) => j != i && Spans(other, window) && (!Spans(window, other) || j < i)).Any()).ToList();
    }

    private static bool Spans(RestoreWindow outer, RestoreWindow inner) =>
        outer.SameSource(inner) && outer.From <= inner.From && outer.To >= inner.To;

    /// <summary>
    /// The plan for a restore of what <paramref name="filter"/> selects, to <paramref name="limit"/>: per source
    /// (<see cref="SnapshotSources"/>), the newest full snapshot of that source consistent at or before it that covers the
    /// filter (<see cref="CoversRestore"/>), and the slices from there, of the full snapshot's own source: a full snapshot
    /// of another set of the same name never stands in for this set's, nor do its slices continue another's. Of the
    /// sources, the one <paramref name="sourceId"/> names, or the only one whose windows reach the moment
    /// (<see cref="RestoreSourceChoice"/>); or an error that says which windows exist and what is missing.
    /// </summary>
    /// <exception cref="MongoBackupException">
    /// OutsideRestoreWindow or ScopeNotCovered (<see cref="RestoreWindowMiss"/>); InvalidArgument when no source has
    /// <paramref name="sourceId"/>, or when, without it, windows of two sources reach the moment.
    /// </exception>
    public static RestoreWindow Choose(IEnumerable<SnapshotManifest> snapshots, OplogLimit limit, NamespaceFilter filter, string repository,
        string? sourceId = null)
    {
        var list = RestoreSourceChoice.Of(snapshots.Where(s => s.Status == SnapshotStatus.Complete).ToList(), sourceId, repository);
        var passedOver = new List<SnapshotManifest>();
        var found = new List<RestoreWindow>();
        foreach (var group in SnapshotSources.Group(list))
        {
            if (ChooseIn(group, limit, filter, list, passedOver) is { } window && !found.Any(w => ReferenceEquals(w.BaseSnapshot, window.BaseSnapshot)))
                found.Add(window);
        }
        if (found.Count == 0) throw RestoreWindowMiss.Describe(limit, filter, list, passedOver.Distinct().ToList(), repository);
        return RestoreSourceChoice.One(found, limit, repository);
    }

    /// <summary>The window of one source's snapshots that reaches <paramref name="limit"/> from its newest full covering <paramref name="filter"/>; null when none does.</summary>
    private static RestoreWindow? ChooseIn(SourceGroup group, OplogLimit limit, NamespaceFilter filter, List<SnapshotManifest> list, List<SnapshotManifest> passedOver)
    {
        var chain = OplogChain.Build(group.Snapshots.Where(s => s.Kind == SnapshotKind.Oplog), Bases(group.Snapshots));
        foreach (var full in Bases(group.Snapshots).OrderByDescending(PointOf).Where(f => limit.Reaches(f.ConsistentAt!)))
        {
            if (!CoversRestore(full, filter, list, limit))
            {
                passedOver.Add(full);
                continue;
            }
            if (limit.IsWithin(full.ConsistentAt!)) return Window(full, null, chain, group.SourceId);
            var segment = chain.Segments.FirstOrDefault(g => g.Covers(PointOf(full)) && limit.IsWithin(g.EndPoint));
            if (segment is not null) return Window(full, segment, chain, group.SourceId);
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="full"/> can be the base of a restore of <paramref name="filter"/>: its scope covers the
    /// filter (<see cref="ScopeCoverage.Covers"/>). A filter that names no database (everything, or -Collection orders)
    /// asks for it in every database the chain's full snapshots took up to the moment: a scope that contains each of
    /// their scopes covers it.
    /// </summary>
    public static bool CoversRestore(SnapshotManifest full, NamespaceFilter filter, IEnumerable<SnapshotManifest> snapshots, OplogLimit limit) =>
        ScopeCoverage.Covers(full.EffectiveScope, filter)
        || ScopeCoverage.PinsNoDatabase(filter) && Bases(snapshots)
            .Where(other => SnapshotSources.Same(other, full) && limit.Reaches(other.ConsistentAt!))
            .All(other => ScopeCoverage.Contains(full.EffectiveScope, other.EffectiveScope));

    /// <summary>The full snapshots a window can be based on: complete, point-in-time consistent, and in the chain (not copy-only).</summary>
    public static IEnumerable<SnapshotManifest> Bases(IEnumerable<SnapshotManifest> snapshots) =>
        snapshots.Where(s => s.IsChainFull && s is { Status: SnapshotStatus.Complete, PointInTimeConsistent: true, ConsistentAt: not null });

    /// <summary>
    /// The full snapshots of one chain (<paramref name="chain"/>: one source's complete snapshots) whose windows a new slice
    /// extends: each non-copy-only full with a consistency point that no later full contains. A later full covering less
    /// (another database) leaves an earlier whole one's window open, and the chain serves both: a slice starts at the
    /// oldest of them (<c>Oplog.SliceChainEnd</c>), and the key checks of a new slice judge all of them
    /// (<see cref="UnencryptedChainCheck"/>, <see cref="ChainKeyCheck"/>).
    /// </summary>
    public static IEnumerable<SnapshotManifest> OpenBases(IReadOnlyList<SnapshotManifest> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var fulls = chain.Where(s => s.IsChainFull && s.ConsistentAt is not null).ToList();
        return fulls.Where(f => !fulls.Any(later => PointOf(later) > PointOf(f) && ScopeCoverage.Contains(later.EffectiveScope, f.EffectiveScope)));
    }

    private static OplogTimestamp PointOf(SnapshotManifest full) => full.ConsistentAt!.Timestamp;

    private static RestoreWindow Window(SnapshotManifest full, SliceSegment? segment, OplogChain chain, string? sourceId) => segment is null
        ? new RestoreWindow(full.Source.ReplicaSetName, PointOf(full), PointOf(full), full, []) { BreakAfter = chain.BreakAfter(PointOf(full)), SourceId = sourceId }
        : new RestoreWindow(full.Source.ReplicaSetName, PointOf(full), segment.End, full, segment.SlicesAfter(PointOf(full)))
            { BreakAfter = chain.BreakAfter(segment.End), SourceId = sourceId };
}
