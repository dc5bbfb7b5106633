using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>
/// A span of time Restore-MongoPointInTime can reach, for what its base snapshot covers (Scope): from a full snapshot's
/// consistency point through an unbroken chain of oplog slices. Both ends are inclusive. Pipes into Restore-MongoPointInTime by its Repository property.
/// </summary>
public sealed class MongoRestoreWindow
{
    public string? ReplicaSetName { get; init; }
    /// <summary>The earliest moment (UTC, to the second) a restore in this window can reach.</summary>
    public DateTime From { get; init; }
    /// <summary>The latest moment (UTC, to the second) a restore in this window can reach.</summary>
    public DateTime To { get; init; }
    /// <summary>From as an exact oplog timestamp, "Timestamp(seconds, increment)", for -ClusterTime.</summary>
    public string FromTimestamp { get; init; } = "";
    public string ToTimestamp { get; init; } = "";
    public TimeSpan Duration { get; init; }
    public string BaseSnapshotId { get; init; } = "";
    /// <summary>What a restore in this window can take: the base snapshot's scope, "all databases" or the patterns that narrowed it.</summary>
    public string Scope { get; init; } = "";
    /// <summary>
    /// Why the window ends where it does when the slice chain breaks there: which slices are missing, from when to when
    /// (a slice continues from a point no slice ends at), or the span the oplog lost before it was saved. Null when the
    /// window ends at the newest slice.
    /// </summary>
    public string? GapAfter { get; init; }
    public int SliceCount { get; init; }
    public string[] SliceIds { get; init; } = [];
    public string Repository { get; init; } = "";

    public override string ToString() => $"{From:yyyy-MM-dd HH:mm:ss}Z to {To:yyyy-MM-dd HH:mm:ss}Z";

    public static MongoRestoreWindow FromWindow(RestoreWindow window, string repository) => new()
    {
        ReplicaSetName = window.ReplicaSetName,
        From = window.From.WallTime.UtcDateTime,
        To = window.To.WallTime.UtcDateTime,
        FromTimestamp = window.From.ToString(),
        ToTimestamp = window.To.ToString(),
        Duration = window.To.WallTime - window.From.WallTime,
        BaseSnapshotId = window.BaseSnapshot.Id,
        Scope = window.Scope.ToString(),
        GapAfter = window.BreakAfter?.ToString(),
        SliceCount = window.Slices.Count,
        SliceIds = window.Slices.Select(s => s.Id).ToArray(),
        Repository = repository,
    };
}
