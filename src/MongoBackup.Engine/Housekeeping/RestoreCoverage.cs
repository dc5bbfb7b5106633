using System.Globalization;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// How far back a point-in-time restore of one source reached before a removal and reaches after it: the earliest start
/// of its restore windows that span time (<see cref="RestoreWindows.Compute"/>: a full snapshot and the slices after it).
/// A full snapshot left without the slices after it can still be restored to its own moment, but no moment after it: so
/// when the keep rules let the slices after an older full snapshot go, this moment moves forward, and a run says so.
/// </summary>
/// <param name="Source">The source in words (<see cref="SnapshotSources.Describe(SnapshotManifest)"/>).</param>
/// <param name="Before">The earliest such moment before the removal; null when the source had no window spanning time.</param>
/// <param name="After">The earliest such moment after it; null when none remains.</param>
/// <param name="Newest">The newest moment such a window reaches, after the removal (before it, when none remains).</param>
public sealed record RestoreCoverageChange(string Source, DateTimeOffset? Before, DateTimeOffset? After, DateTimeOffset? Newest)
{
    /// <summary>Whether point-in-time coverage shrank: it starts later than it did, or none remains where there was some.</summary>
    public bool Shrank => Before is { } before && (After is not { } after || after > before);

    /// <summary>The change in one sentence, moments in UTC to the millisecond.</summary>
    public string Describe()
    {
        if (Before is not { } before) return $"{Source} had no point-in-time restore window";
        var was = $"point-in-time restore of {Source} reached back to {InUtc(before)}";
        if (After is not { } after) return $"{was}; none remains (each full snapshot left restores to its own moment only)";
        if (after == before) return $"point-in-time restore of {Source} reaches back to {InUtc(before)} (up to {InUtc(Newest)}), unchanged";
        return after > before
            ? $"{was}; now to {InUtc(after)} (up to {InUtc(Newest)}: {Span(after - before)} less)"
            : $"{was}; now to {InUtc(after)} (up to {InUtc(Newest)})";
    }

    private static string InUtc(DateTimeOffset? moment) => moment is { } m ? OplogLimit.InUtc(m) : "";

    private static string Span(TimeSpan span) =>
        span.TotalDays >= 1 ? Count(span.TotalDays, "day(s)") : span.TotalHours >= 1 ? Count(span.TotalHours, "hour(s)")
        : span.TotalMinutes >= 1 ? Count(span.TotalMinutes, "minute(s)") : Count(span.TotalSeconds, "second(s)");

    private static string Count(double value, string unit) => string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {unit}");
}

/// <summary>Works out <see cref="RestoreCoverageChange"/> from a repository's snapshots and the ids removed from it.</summary>
public static class RestoreCoverage
{
    /// <summary>
    /// For each source that lost a snapshot of <paramref name="removed"/>: how far back a point-in-time restore reached in
    /// <paramref name="before"/> (the complete snapshots before the removal) and reaches without the removed ones.
    /// </summary>
    public static IReadOnlyList<RestoreCoverageChange> Change(IReadOnlyCollection<SnapshotManifest> before, IReadOnlyCollection<string> removed)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(removed);
        if (removed.Count == 0) return [];
        var gone = removed.ToHashSet(StringComparer.Ordinal);
        var changes = new List<RestoreCoverageChange>();
        foreach (var source in SnapshotSources.Group(before))
        {
            if (!source.Snapshots.Any(s => gone.Contains(s.Id))) continue;
            var was = Reach(RestoreWindows.Compute(source.Snapshots));
            var now = Reach(RestoreWindows.Compute(source.Snapshots.Where(s => !gone.Contains(s.Id))));
            changes.Add(new RestoreCoverageChange(SnapshotSources.Describe(source.Snapshots[0]), was?.From, now?.From, (now ?? was)?.To));
        }
        return changes;
    }

    /// <summary>The earliest start and the latest end of the windows that span time (a base and slices after it); null without one.</summary>
    private static (DateTimeOffset From, DateTimeOffset To)? Reach(IReadOnlyList<RestoreWindow> windows)
    {
        var spanning = windows.Where(w => w.To > w.From).ToList();
        return spanning.Count == 0 ? null : (spanning.Min(w => w.FromWallTime), spanning.Max(w => w.ToWallTime));
    }
}
