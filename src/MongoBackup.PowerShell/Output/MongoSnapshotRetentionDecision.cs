using MongoBackup.Engine.Housekeeping;

namespace MongoBackup;

/// <summary>One snapshot in Invoke-MongoSnapshotRetention's plan: kept or removed, and why.</summary>
public sealed class MongoSnapshotRetentionDecision
{
    public string Id { get; init; } = "";
    /// <summary>Full or Oplog; empty for a snapshot with no readable manifest.</summary>
    public string Kind { get; init; } = "";
    public DateTimeOffset? StartTime { get; init; }
    /// <summary>Keep or Remove.</summary>
    public string Action { get; init; } = "";
    public string Reason { get; init; } = "";
    /// <summary>Whether the snapshot was removed in this run (false under -WhatIf, or when declined at the prompt).</summary>
    public bool Removed { get; init; }
    public string Repository { get; init; } = "";

    public override string ToString() => $"{Action} {Id}";

    public static MongoSnapshotRetentionDecision From(RetentionDecision decision, string repository, bool removed) => new()
    {
        Id = decision.SnapshotId,
        Kind = decision.Kind?.ToString() ?? "",
        StartTime = LocalTime.Of(decision.StartTime),
        Action = decision.Action.ToString(),
        Reason = decision.Reason,
        Removed = removed,
        Repository = repository,
    };
}
