using MongoBackup.Engine.Housekeeping;

namespace MongoBackup.Engine.Policy;

/// <summary>What a policy run did. Skipped is not a failure: another run held the repository, and this one stood aside.</summary>
public enum PolicyAction
{
    /// <summary>A full snapshot was due and was taken.</summary>
    Full,

    /// <summary>An oplog slice was taken (a replica set between fulls).</summary>
    Slice,

    /// <summary>Nothing was due: a standalone between fulls, or no oplog entry newer than the last slice.</summary>
    Nothing,

    /// <summary>Another run held the repository lease; this one stood aside and wrote nothing.</summary>
    Skipped,
}

/// <summary>What one Invoke-MongoBackupPolicy run did, and why.</summary>
public sealed record BackupPolicyResult
{
    /// <summary>What the run did.</summary>
    public required PolicyAction Action { get; init; }
    /// <summary>The full snapshot or oplog slice written; null for Nothing and Skipped.</summary>
    public SnapshotManifest? Snapshot { get; init; }
    /// <summary>Snapshot ids retention removed.</summary>
    public IReadOnlyList<string> Removed { get; init; } = [];
    /// <summary>
    /// How far back a point-in-time restore of the source reached before retention removed what it did, and reaches now;
    /// null when retention removed nothing (or no rule was given).
    /// </summary>
    public RestoreCoverageChange? RestoreCoverage { get; init; }
    /// <summary>The one source retention reached (the one the run backed up), in words; null when no retention rule was given.</summary>
    public string? RetentionSource { get; init; }
    /// <summary>The run's wall-clock time, lease taken and released included.</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>Why this action, in a sentence (for logs of unattended runs).</summary>
    public required string Reason { get; init; }
    /// <summary>For Skipped: the live holder of the lease and when it runs out.</summary>
    public string? LeaseHeldBy { get; init; }
    /// <summary>For Skipped: when the live holder's lease runs out unless renewed (UTC).</summary>
    public DateTimeOffset? LeaseHeldUntil { get; init; }
}
