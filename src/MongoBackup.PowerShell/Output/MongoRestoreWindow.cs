using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>
/// A span of time Restore-MongoPointInTime can reach, for what its base snapshot covers (Scope): from a full snapshot's
/// consistency point through an unbroken chain of oplog slices. Both ends are inclusive. Pipes into Restore-MongoPointInTime by its Repository property.
/// </summary>
public sealed class MongoRestoreWindow
{
    public string? ReplicaSetName { get; init; }
    /// <summary>
    /// The id of the source the window is of: a replica set's replicaSetId, a cluster's clusterId; two sets of the same name
    /// have windows of their own, told apart by it. For a source that recorded none, its name and oldest snapshot's id
    /// (e.g. rs0:20261124T221500Z-full-3f9a).
    /// </summary>
    public string? SourceId { get; init; }
    /// <summary>
    /// The earliest moment a restore in this window can reach: the base snapshot's consistency point, to the millisecond,
    /// in local time with its offset (copied into -PointInTime it names exactly this instant).
    /// </summary>
    public DateTimeOffset From { get; init; }
    /// <summary>The latest moment a restore in this window can reach: the wall time of its last oplog entry, to the millisecond.</summary>
    public DateTimeOffset To { get; init; }
    /// <summary>From as an exact oplog timestamp, "Timestamp(seconds, increment)", for -ClusterTime.</summary>
    public string FromTimestamp { get; init; } = "";
    public string ToTimestamp { get; init; } = "";
    public TimeSpan Duration { get; init; }
    public string BaseSnapshotId { get; init; } = "";
    /// <summary>What a restore in this window can take: the base snapshot's scope, "all databases" or the patterns that narrowed it.</summary>
    public string Scope { get; init; } = "";
    /// <summary>
    /// Why the window ends where it does when later moments of its source are not restorable from it: which slices are
    /// missing, from when to when (a slice continues from a point no slice ends at), the span the oplog lost before it was
    /// saved, or a span not captured yet ("not captured yet: no oplog slice from ... to ...", a later full snapshot taken
    /// with no slice between). Null when the window ends at the newest moment the repository holds for its source.
    /// </summary>
    public string? GapAfter { get; init; }
    public int SliceCount { get; init; }
    public OutputList<string> SliceIds { get; init; } = OutputList<string>.Empty;
    public string Repository { get; init; } = "";

    public override string ToString() => $"{From:yyyy-MM-dd HH:mm:ss.fff zzz} to {To:yyyy-MM-dd HH:mm:ss.fff zzz}";

    public static MongoRestoreWindow FromWindow(RestoreWindow window, string repository)
    {
        var (from, to) = (window.FromWallTime, window.ToWallTime);
        return new MongoRestoreWindow
        {
            ReplicaSetName = window.ReplicaSetName,
            SourceId = window.SourceId,
            From = LocalTime.Of(from),
            To = LocalTime.Of(to),
            FromTimestamp = window.From.ToString(),
            ToTimestamp = window.To.ToString(),
            Duration = to - from,
            BaseSnapshotId = window.BaseSnapshot.Id,
            Scope = window.Scope.ToString(),
            GapAfter = window.EndsBecause,
            SliceCount = window.Slices.Count,
            SliceIds = OutputList.Of(window.Slices.Select(s => s.Id)),
            Repository = repository,
        };
    }
}
