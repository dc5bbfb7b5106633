namespace MongoBackup.Engine.Repository;

/// <summary>
/// The error for a point-in-time restore no window can serve, saying why: no full snapshot covers what it asks for,
/// or the moment lies outside every window that does (a break in the slice chain, named with what is missing; the
/// end of the slices; before the first full snapshot).
/// </summary>
internal static class RestoreWindowMiss
{
    public static MongoBackupException Describe(OplogLimit limit, NamespaceFilter filter, List<SnapshotManifest> snapshots,
        IReadOnlyList<SnapshotManifest> passedOver, string repository)
    {
        var moment = limit.Timestamp;
        var at = limit.WallTime is null ? $"{limit.Show(moment.WallTime)} ({moment})" : limit.ToString();
        // Said once: after the argument's reading the refusal speaks of "that moment", else it names the moment itself.
        var (opening, subject) = limit.Reading is { } reading ? ($"{reading}. ", "That moment") : ("", at);
        var all = RestoreWindows.Compute(snapshots);
        if (all.Count == 0)
            return Outside($"{opening}{repository} has no full snapshot of a replica set to restore {(limit.Reading is null ? at : "that moment")} from: there is no restore window.", repository);

        var windows = all.Where(w => RestoreWindows.CoversRestore(w.BaseSnapshot, filter, snapshots, limit)).ToList();
        if (windows.Count == 0)
            return new MongoBackupException(ErrorIds.ScopeNotCovered,
                $"Nothing in {repository} can restore {Asked(filter)} as of {at}: no full snapshot covers it. {Scopes(snapshots)}. " +
                "A restore is based only on a full snapshot that took everything it restores (a backup of some databases does not stand in for a backup of all of them)" +
                (ScopeCoverage.PinsNoDatabase(filter) ? "; name the databases to restore with -Database or -NamespaceInclude." : "."),
                target: repository);

        // Compared as the restore compares (wall times to the millisecond for -PointInTime), so that a moment in the
        // same second as a window's start but before it is said to be before that window.
        var before = windows.Where(w => !limit.IsWithin(new ConsistencyPoint(w.To, w.ToWallTime))).MaxBy(w => w.To);
        var after = windows.Where(w => !limit.Reaches(new ConsistencyPoint(w.From, w.FromWallTime))).MinBy(w => w.From);
        var missing = before?.BreakAfter is { } gap ? AfterBreak(gap, limit, after)
            : before is not null && after is not null ? $"no oplog slices cover {limit.Show(before.ToWallTime)} to {limit.Show(after.FromWallTime)}"
            : before is not null ? $"no oplog slice reaches past {limit.Show(before.ToWallTime)}; run Backup-MongoOplog to extend the window"
            : $"the oldest restore window starts at {limit.Show(windows[0].FromWallTime)}";
        var skipped = passedOver.Count == 0 ? "" :
            $" Full snapshots consistent before it that do not cover {Asked(filter)} were passed over: {string.Join("; ", passedOver.Select(f => $"{f.Id} ({f.EffectiveScope})"))}.";
        var listed = string.Join("; ", windows.Select(w => $"{w.Describe(limit)}, of {w.Scope}"));
        var scope = ScopeCoverage.IsUnfiltered(filter) ? "" : $" for {Asked(filter)}";
        return Outside($"{opening}{subject} is outside every restore window of {repository}{scope}: {missing}.{skipped} Restore windows: {listed}.", repository);
    }

    private static string AfterBreak(ChainBreak gap, OplogLimit limit, RestoreWindow? after)
    {
        if (limit.Timestamp < gap.To) return $"{gap}; the writes in between are lost to point-in-time restore";
        var next = after is null
            ? "no full snapshot was taken after it, so no restore can reach past it: take a new full backup (Backup-MongoDatabase), from which later moments can be restored"
            : $"the first full snapshot after it is consistent at {limit.Show(after.FromWallTime)}, from which later moments can be restored";
        return $"the slice chain is broken before it: {gap}; {next}";
    }

    private static string Asked(NamespaceFilter filter) =>
        ScopeCoverage.IsUnfiltered(filter) ? "everything (no -Database, -Collection or -NamespaceInclude was given)" : SnapshotScope.From(filter).ToString();

    private static string Scopes(List<SnapshotManifest> snapshots) =>
        "Its full snapshots cover: " + string.Join("; ", RestoreWindows.Bases(snapshots)
            .GroupBy(f => f.EffectiveScope.ToString(), StringComparer.Ordinal)
            .Select(g => $"{g.Key} ({string.Join(", ", g.Select(f => f.Id))})"));

    private static MongoBackupException Outside(string message, string repository) =>
        new(ErrorIds.OutsideRestoreWindow, message, target: repository);
}
