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

    public static MongoPolicyResult From(BackupPolicyResult result, ISnapshotRepository repository) => new()
    {
        Action = result.Action.ToString(),
        Snapshot = result.Snapshot is { } manifest ? MongoSnapshot.FromManifest(manifest, repository) : null,
        Removed = OutputList.Of(result.Removed),
        RetentionSource = result.RetentionSource,
        Duration = result.Duration,
        Reason = result.Reason,
        LeaseHeldBy = result.LeaseHeldBy,
        LeaseHeldUntil = LocalTime.Of(result.LeaseHeldUntil),
        Repository = repository.Location,
    };
}
