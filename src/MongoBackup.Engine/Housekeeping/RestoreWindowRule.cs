using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// The restore-window rule (<see cref="RetentionRules.RestoreWindow"/>) for one source: it keeps what a point-in-time
/// restore to any moment of the last span needs, as Atlas's continuous backup keeps its "restore window" and PBM's
/// cleanup keeps what can still restore to its cut-off time.
/// <para>
/// The window ends at the source's newest restorable moment, not at now (so a backup job that stopped does not let the
/// window age out, as the other rules count from the newest snapshot): the end of its newest restore window, as
/// Get-MongoRestoreWindow shows it (the last entry of the newest slice continuing a full snapshot, or a full snapshot's
/// own moment where no slice continues one), never a slice's nominal end; a source with no restore window (a
/// standalone's) counts from its newest full snapshot's moment. It starts the span before that. Reasons name the part
/// of the span that can be restored: while the chain does not yet reach back to the start, from its oldest restorable
/// moment (<see cref="Shortfall"/>). The rule keeps, for each scope, the newest full snapshot
/// consistent at or before the start (a restore to the start is based on it) and every full snapshot after the start;
/// and every oplog slice that reaches past the oldest full snapshot it keeps, so no moment of the window that could be
/// restored before retention is lost to it: the slices of those full snapshots' windows, and slices no full snapshot's
/// window holds (after a break in the chain, which a copied-back slice may yet mend). A slice only the window of a full
/// snapshot that goes holds (a snapshot of other databases before the start) goes with it, as the removal guard asks.
/// </para>
/// </summary>
public sealed class RestoreWindowRule
{
    private readonly List<SnapshotManifest> _keptFulls = [];

    private RestoreWindowRule(TimeSpan span, DateTimeOffset start, DateTimeOffset end, DateTimeOffset oldest) =>
        (Span, Start, End, OldestRestorable) = (span, start, end, oldest);

    /// <summary>How far back the window reaches from <see cref="End"/>.</summary>
    public TimeSpan Span { get; }

    /// <summary>The window's first moment: <see cref="End"/> less <see cref="Span"/>.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The window's last moment: the newest moment a point-in-time restore of the source reaches.</summary>
    public DateTimeOffset End { get; }

    /// <summary>The oldest moment a restore of the source reaches now: the oldest restore window's start.</summary>
    public DateTimeOffset OldestRestorable { get; }

    /// <summary>
    /// When the chain does not yet reach back to <see cref="Start"/> (a schedule younger than its window): what is
    /// restorable and what the window asks for, for a warning; null when the window is covered.
    /// </summary>
    public string? Shortfall => OldestRestorable <= Start ? null :
        $"{Name} is not yet covered: a point-in-time restore reaches from {InUtc(OldestRestorable)} to {InUtc(End)}, and the window asks from " +
        $"{InUtc(Start)}; the moments before {InUtc(OldestRestorable)} were never backed up, and the window fills as the schedule runs";

    /// <summary>
    /// The rule over <paramref name="source"/> (the complete snapshots of one source); null when no span is given or the
    /// source has no full snapshot in the chain (copy-only ones are outside it). Its end is read from
    /// <paramref name="chains"/>, the windows retention already worked out for every full snapshot, not computed again:
    /// the newest restorable moment is the furthest any full snapshot's window reaches (each window runs to the end of
    /// the unbroken chain of slices after its base, as <see cref="RestoreWindows.Compute"/>'s newest does).
    /// </summary>
    public static RestoreWindowRule? For(TimeSpan? span, IReadOnlyCollection<SnapshotManifest> source, RestoreChains chains)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(chains);
        var fulls = source.Where(s => s.IsChainFull).ToList();
        if (span is not { } length || fulls.Count == 0) return null;
        // Get-MongoRestoreWindow's windows, as retention worked them out: a window's end is the last entry a restore
        // reaches (a slice's nominal end is not), and a full no window reaches does not extend it.
        var windows = fulls.Select(f => chains.WindowOf(f.Id)).OfType<RestoreWindow>().ToList();
        var end = windows.Count > 0 ? windows.Max(w => w.ToWallTime) : fulls.Max(MomentOf);
        var oldest = windows.Count > 0 ? windows.Min(w => w.FromWallTime) : fulls.Min(MomentOf);
        return new RestoreWindowRule(length, end - length, end, oldest);
    }

    /// <summary>
    /// The moment a full snapshot restores to: its consistency point; for one that has none (a standalone's, not
    /// point-in-time consistent), the end of its backup, the first moment all its data was read.
    /// </summary>
    public static DateTimeOffset MomentOf(SnapshotManifest full)
    {
        ArgumentNullException.ThrowIfNull(full);
        return full.ConsistentAt?.WallTime ?? full.EndTime;
    }

    /// <summary>
    /// Keeps, of <paramref name="fulls"/> (the full snapshots covering one scope), the newest one at or before
    /// <see cref="Start"/> and every one after it, each with its reason; remembers them for <see cref="Needs"/>.
    /// </summary>
    public void KeepFulls(IEnumerable<SnapshotManifest> fulls, Action<SnapshotManifest, string> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var list = fulls.ToList();
        var atStart = list.Where(f => MomentOf(f) <= Start).MaxBy(MomentOf);
        if (atStart is not null)
            Keep(atStart, $"{Name} (the newest full snapshot at or before the restore window's start, {InUtc(Start)}: a restore to it is based on this one)", keep);
        foreach (var full in list.Where(f => MomentOf(f) > Start))
            Keep(full, $"{Name} (inside {Describe().TrimEnd(',')})", keep);
    }

    /// <summary>
    /// Why the window needs <paramref name="slice"/>: it reaches past the oldest full snapshot the rule keeps, from
    /// which restores to the window's moments replay, and the windows holding it (<paramref name="fullsNeeding"/>, the
    /// ids of their full snapshots) are none or include one the rule keeps; null when it does not.
    /// </summary>
    public string? Needs(SnapshotManifest slice, IEnumerable<string> fullsNeeding)
    {
        ArgumentNullException.ThrowIfNull(slice);
        ArgumentNullException.ThrowIfNull(fullsNeeding);
        var oldest = _keptFulls.Where(f => f.ConsistentAt is not null).MinBy(f => f.ConsistentAt!.Timestamp);
        var holders = fullsNeeding.ToList();
        return oldest is not null && slice.OplogEnd is { } end && end > oldest.ConsistentAt!.Timestamp
            && (holders.Count == 0 || holders.Any(id => _keptFulls.Any(f => f.Id == id)))
            ? $"kept by {Name}: {Describe()} needs every slice from full snapshot {oldest.Id} on"
            : null;
    }

    private string Name => $"RestoreWindow {RetentionRules.Show(Span)}";

    // The part of the window a restore reaches: all of it, or from the oldest restorable moment while the chain is younger (Shortfall warns).
    private string Describe() => OldestRestorable <= Start
        ? $"the restore window {InUtc(Start)} to {InUtc(End)}"
        : $"the restorable part of the restore window, {InUtc(OldestRestorable)} to {InUtc(End)},";

    private static string InUtc(DateTimeOffset moment) => OplogLimit.InUtc(moment);

    private void Keep(SnapshotManifest full, string why, Action<SnapshotManifest, string> keep)
    {
        if (!_keptFulls.Contains(full)) _keptFulls.Add(full);
        keep(full, why);
    }
}
