namespace MongoBackup.Engine.Policy;

/// <summary>What a policy run did. Skipped is not a failure: another run held the repository, and this one stood aside.</summary>
public enum PolicyAction { Full, Slice, Nothing, Skipped }

public sealed record BackupPolicyResult
{
    public required PolicyAction Action { get; init; }
    /// <summary>The full snapshot or oplog slice written; null for Nothing and Skipped.</summary>
    public SnapshotManifest? Snapshot { get; init; }
    /// <summary>Snapshot ids retention removed.</summary>
    public IReadOnlyList<string> Removed { get; init; } = [];
    public TimeSpan Duration { get; init; }
    /// <summary>Why this action, in a sentence (for logs of unattended runs).</summary>
    public required string Reason { get; init; }
    /// <summary>For Skipped: the live holder of the lease and when it runs out.</summary>
    public string? LeaseHeldBy { get; init; }
    public DateTimeOffset? LeaseHeldUntil { get; init; }
}
