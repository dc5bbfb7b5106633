using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// A continuous span of time a point-in-time restore can reach: from a full snapshot's consistency point through
/// an unbroken chain of oplog slices. Both ends are inclusive.
/// </summary>
public sealed record RestoreWindow(
    string? ReplicaSetName,
    OplogTimestamp From,
    OplogTimestamp To,
    SnapshotManifest BaseSnapshot,
    IReadOnlyList<SnapshotManifest> Slices)
{
    public bool Contains(OplogTimestamp moment) => From <= moment && moment <= To;
    public override string ToString() => $"{From.WallTime:u} ({From}) to {To.WallTime:u} ({To})";
}

/// <summary>
/// Works out restore windows from a repository's snapshots. Slices form segments: a slice continues the one
/// before it when it starts where that one ended and records no gap. A full snapshot can serve as the base of
/// a restore to any moment from its consistency point to the end of a segment that covers that point.
/// </summary>
public static class RestoreWindows
{
    public static IReadOnlyList<RestoreWindow> Compute(IEnumerable<SnapshotManifest> snapshots)
    {
        var all = snapshots.Where(s => s.Status == SnapshotStatus.Complete).ToList();
        var windows = new List<RestoreWindow>();
        foreach (var source in all.GroupBy(s => s.Source.ReplicaSetName))
        {
            var fulls = source.Where(s => s.Kind == SnapshotKind.Full && s.ConsistentAt is not null && s.PointInTimeConsistent)
                .OrderBy(s => s.ConsistentAt!.Timestamp).ToList();
            var segments = Segments(source.Where(s => s.Kind == SnapshotKind.Oplog && s.OplogEnd is not null));
            var covered = new HashSet<SnapshotManifest>();
            foreach (var segment in segments)
            {
                var baseSnapshot = fulls.FirstOrDefault(f => segment.Covers(f.ConsistentAt!.Timestamp));
                if (baseSnapshot is null) continue;
                windows.Add(new RestoreWindow(source.Key, baseSnapshot.ConsistentAt!.Timestamp, segment.End, baseSnapshot,
                    segment.Slices.Where(s => s.OplogEnd!.Value > baseSnapshot.ConsistentAt!.Timestamp).ToList()));
                foreach (var full in fulls.Where(f => segment.Covers(f.ConsistentAt!.Timestamp))) covered.Add(full);
            }
            // A full snapshot no slice chain covers can still be restored to its own consistency point.
            foreach (var full in fulls.Where(f => !covered.Contains(f)))
                windows.Add(new RestoreWindow(source.Key, full.ConsistentAt!.Timestamp, full.ConsistentAt!.Timestamp, full, []));
        }
        return windows.OrderBy(w => w.From).ToList();
    }

    /// <summary>
    /// The plan for a restore to <paramref name="moment"/>: the newest full snapshot consistent at or before it,
    /// and the slices from there, or an error that says which windows exist and what is missing.
    /// </summary>
    public static RestoreWindow Choose(IEnumerable<SnapshotManifest> snapshots, OplogLimit limit, string repository)
    {
        var list = snapshots.ToList();
        var windows = Compute(list);
        var fulls = list.Where(s => s.Kind == SnapshotKind.Full && s.ConsistentAt is not null && s.PointInTimeConsistent)
            .OrderByDescending(s => s.ConsistentAt!.Timestamp);
        foreach (var full in fulls.Where(f => limit.Reaches(f.ConsistentAt!)))
        {
            var segment = Segments(list.Where(s => s.Kind == SnapshotKind.Oplog && s.OplogEnd is not null && SnapshotCatalog.SameSource(s, full)))
                .FirstOrDefault(g => g.Covers(full.ConsistentAt!.Timestamp) && limit.IsWithin(g.EndPoint));
            var consistentAt = full.ConsistentAt!;
            if (limit.IsWithin(consistentAt))
                return new RestoreWindow(full.Source.ReplicaSetName, consistentAt.Timestamp, consistentAt.Timestamp, full, []);
            if (segment is not null)
                return new RestoreWindow(full.Source.ReplicaSetName, full.ConsistentAt!.Timestamp, segment.End, full,
                    segment.Slices.Where(s => s.OplogEnd!.Value > full.ConsistentAt!.Timestamp).ToList());
        }
        throw new MongoBackupException(ErrorIds.OutsideRestoreWindow, DescribeMiss(limit, windows, list, repository), target: repository);
    }

    private static string DescribeMiss(OplogLimit limit, IReadOnlyList<RestoreWindow> windows, List<SnapshotManifest> snapshots, string repository)
    {
        var moment = limit.Timestamp;
        var at = limit.WallTime is null ? $"{moment.WallTime:u} ({moment})" : limit.ToString();
        if (windows.Count == 0)
            return $"{repository} has no full snapshot of a replica set to restore {at} from: there is no restore window.";
        var listed = string.Join("; ", windows.Select(w => w.ToString()));
        var before = windows.Where(w => w.To < moment).OrderByDescending(w => w.To).FirstOrDefault();
        var after = windows.Where(w => w.From > moment).OrderBy(w => w.From).FirstOrDefault();
        var gap = snapshots.Select(s => s.Gap).OfType<OplogGap>().FirstOrDefault(g => g.From < moment && moment < g.To);
        var missing = gap is not null
            ? $"the oplog between {gap.From.WallTime:u} and {gap.To.WallTime:u} was lost before it was backed up (a recorded gap)"
            : before is not null && after is not null
                ? $"no oplog slices cover {before.To.WallTime:u} to {after.From.WallTime:u}"
                : before is not null
                    ? $"no oplog slice reaches past {before.To.WallTime:u}; run Backup-MongoOplog to extend the window"
                    : $"the oldest restore window starts at {windows[0].From.WallTime:u}";
        return $"{at} is outside every restore window of {repository}: {missing}. Restore windows: {listed}.";
    }

    /// <summary>Slices that hold every entry after <see cref="Start"/> up to <see cref="End"/>.</summary>
    private sealed record Segment(OplogTimestamp Start, OplogTimestamp End, List<SnapshotManifest> Slices)
    {
        /// <summary>The end with its wall time, from the last slice's consistency point.</summary>
        public ConsistencyPoint EndPoint => Slices[^1].ConsistentAt ?? new ConsistencyPoint(End, End.WallTime);

        /// <summary>Whether replaying this segment can move data from <paramref name="point"/> to any moment up to its end.</summary>
        public bool Covers(OplogTimestamp point) => Start <= point && point <= End;
    }

    private static List<Segment> Segments(IEnumerable<SnapshotManifest> slices)
    {
        var segments = new List<Segment>();
        Segment? current = null;
        foreach (var slice in slices.OrderBy(s => s.OplogEnd!.Value))
        {
            var continues = current is not null && slice.Gap is null && slice.PreviousSliceEnd == current.End;
            if (continues)
            {
                current!.Slices.Add(slice);
                current = current with { End = slice.OplogEnd!.Value };
                segments[^1] = current;
                continue;
            }
            // After a gap, only what follows the slice's first entry is known to be there.
            current = slice.Gap is null && slice.PreviousSliceEnd is { } previous
                ? new Segment(previous, slice.OplogEnd!.Value, [slice])
                : new Segment(slice.OplogStart ?? slice.OplogEnd!.Value, slice.OplogEnd!.Value, [slice]);
            segments.Add(current);
        }
        return segments;
    }
}
