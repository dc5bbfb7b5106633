using MongoBackup.Engine.Housekeeping;

namespace MongoBackup;

/// <summary>
/// One snapshot in Invoke-MongoSnapshotRetention's plan: kept or removed, and why. Action, Target and Detail are also the
/// names -WhatIf's MongoPlannedAction uses, so a script written against the dry run reads the real run's output.
/// </summary>
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

    /// <summary>The snapshot's id under the name -WhatIf's plan (MongoPlannedAction) gives it, so one script reads both.</summary>
    public string Target => Id;
    /// <summary>The reason under the name -WhatIf's plan (MongoPlannedAction) gives it, so one script reads both.</summary>
    public string Detail => Reason;

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
