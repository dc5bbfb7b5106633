using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>What one Invoke-MongoBackupPolicy run did: Full, Slice, Nothing, or Skipped (another run held the repository lease).</summary>
public sealed class MongoPolicyResult
{
    /// <summary>Full, Slice, Nothing or Skipped.</summary>
    public string Action { get; init; } = "";
    /// <summary>The snapshot or slice written; null for Nothing and Skipped.</summary>
    public MongoSnapshot? Snapshot { get; init; }
    /// <summary>Ids of the snapshots retention removed.</summary>
    public OutputList<string> Removed { get; init; } = OutputList<string>.Empty;
    /// <summary>
    /// Where a point-in-time restore of the source reached back to before retention removed what it did (every moment from
    /// then to the newest restorable one could be restored), in local time; null when retention removed nothing.
    /// </summary>
    public DateTimeOffset? RestorableFromBefore { get; init; }
    /// <summary>Where it reaches back to now; null when retention removed nothing, or when no restore window remains.</summary>
    public DateTimeOffset? RestorableFromAfter { get; init; }
    /// <summary>Whether retention shortened point-in-time restore (<see cref="RestorableFromAfter"/> later than before, or none left).</summary>
    public bool RestoreWindowShrank { get; init; }
    /// <summary>
    /// What retention did, in a sentence for the log: the snapshots removed, and how far back a point-in-time restore
    /// reached before and reaches now; null without retention rules.
    /// </summary>
    public string? RetentionSummary { get; init; }
    /// <summary>The one source retention reached (the one the run backed up): other sources' snapshots are never removed by it; null without retention rules.</summary>
    public string? RetentionSource { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>Why this action, in a sentence.</summary>
    public string Reason { get; init; } = "";
    /// <summary>For Skipped: who holds the repository lease, and until when.</summary>
    public string? LeaseHeldBy { get; init; }
    public DateTimeOffset? LeaseHeldUntil { get; init; }
    public string Repository { get; init; } = "";

    public override string ToString() => $"{Action}: {Reason}";

    /// <summary>Retention in one sentence: nothing removed, or the ids removed and how the point-in-time restore window changed.</summary>
    private static string? SummaryOf(BackupPolicyResult result)
    {
        if (result.RetentionSource is null) return null;
        if (result.Removed.Count == 0) return "Retention removed nothing.";
        var removed = $"Retention removed {result.Removed.Count} snapshot(s): {string.Join(", ", result.Removed)}";
        return result.RestoreCoverage is { } coverage ? $"{removed}; {coverage.Describe()}." : $"{removed}.";
    }

    public static MongoPolicyResult From(BackupPolicyResult result, ISnapshotRepository repository) => new()
    {
        Action = result.Action.ToString(),
        Snapshot = result.Snapshot is { } manifest ? MongoSnapshot.Committed(manifest, repository) : null,
        Removed = OutputList.Of(result.Removed),
        RetentionSource = result.RetentionSource,
        RestorableFromBefore = LocalTime.Of(result.RestoreCoverage?.Before),
        RestorableFromAfter = LocalTime.Of(result.RestoreCoverage?.After),
        RestoreWindowShrank = result.RestoreCoverage?.Shrank ?? false,
        RetentionSummary = SummaryOf(result),
        Duration = result.Duration,
        Reason = result.Reason,
        LeaseHeldBy = result.LeaseHeldBy,
        LeaseHeldUntil = LocalTime.Of(result.LeaseHeldUntil),
        Repository = repository.Location,
    };
}
