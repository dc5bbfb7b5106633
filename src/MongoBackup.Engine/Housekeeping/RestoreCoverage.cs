using System.Globalization;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// How far back a point-in-time restore of one source reached before a removal and reaches after it: the earliest moment
/// from which every moment up to the source's newest restorable one can be restored (the start of the restore windows,
/// <see cref="RestoreWindows.Compute"/>, that run to its newest restorable moment). A full snapshot left without the slices
/// after it is still restorable to its own moment, but no longer to the moments between it and the next one: so when the
/// keep rules let the slices between two kept full snapshots go, this moment moves forward, and a run says so.
/// </summary>
/// <param name="Source">The source in words (<see cref="SnapshotSources.Describe(SnapshotManifest)"/>).</param>
/// <param name="Before">The earliest such moment before the removal; null when the source had no restorable moment.</param>
/// <param name="After">The earliest such moment after it; null when none remains.</param>
/// <param name="Newest">The newest restorable moment after the removal (before it, when none remains).</param>
public sealed record RestoreCoverageChange(string Source, DateTimeOffset? Before, DateTimeOffset? After, DateTimeOffset? Newest)
{
    /// <summary>Whether point-in-time coverage shrank: it starts later than it did, or none remains where there was some.</summary>
    public bool Shrank => Before is { } before && (After is not { } after || after > before);

    /// <summary>The change in one sentence, moments in UTC to the millisecond.</summary>
    public string Describe()
    {
        if (Before is not { } before) return $"{Source} had no point-in-time restore window";
        var was = $"a point-in-time restore of {Source} reached every moment from {InUtc(before)}";
        if (After is not { } after) return $"{was}; none remains";
        if (after == before) return $"{was} to {InUtc(Newest)}, unchanged";
        return after > before
            ? $"{was}; now from {InUtc(after)} to {InUtc(Newest)} ({Span(after - before)} less)"
            : $"{was}; now from {InUtc(after)} to {InUtc(Newest)}";
    }

    private static string InUtc(DateTimeOffset? moment) => moment is { } m ? OplogLimit.InUtc(m) : "";

    private static string Span(TimeSpan span) =>
        span.TotalDays >= 1 ? Count(span.TotalDays, "day(s)") : span.TotalHours >= 1 ? Count(span.TotalHours, "hour(s)") : Count(span.TotalMinutes, "minute(s)");

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

    /// <summary>The earliest start of the windows that reach the newest restorable moment, and that moment; null without windows.</summary>
    private static (DateTimeOffset From, DateTimeOffset To)? Reach(IReadOnlyList<RestoreWindow> windows)
    {
        if (windows.Count == 0) return null;
        var newest = windows.Max(w => w.To);
        var reaching = windows.Where(w => w.To == newest).ToList();
        return (reaching.Min(w => w.FromWallTime), reaching.Max(w => w.ToWallTime));
    }
}
