using MongoBackup.Engine.Housekeeping;

namespace MongoBackup;

/// <summary>
/// One snapshot in Invoke-MongoSnapshotRetention's plan: kept or removed, and why. The dry run (-WhatIf) and the real run
/// emit these same rows, so a pipeline previewed with -WhatIf (filtering on WouldRemove, Action, Kind, Reason) gives the
/// rows the real run gives; only <see cref="Removed"/> differs (false in a preview). They also carry every property of the
/// module's plan convention (<see cref="MongoPlannedAction"/>: Command, Action, Target, Source, WouldRun, ErrorId,
/// Problem, Detail), so a script that reads any -WhatIf plan reads this one.
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
    /// <summary>Whether the plan removes the snapshot (Action Remove): the same in a -WhatIf preview and in the real run.</summary>
    public bool WouldRemove => Action == nameof(RetentionAction.Remove);
    /// <summary>Whether the snapshot was removed in this run (false under -WhatIf, or when declined at the prompt).</summary>
    public bool Removed { get; init; }
    public string Repository { get; init; } = "";

    /// <summary>The cmdlet that planned it, as in every -WhatIf plan (MongoPlannedAction.Command).</summary>
    public string Command => "Invoke-MongoSnapshotRetention";
    /// <summary>Where the snapshot is (the repository), under the name a -WhatIf plan gives it (MongoPlannedAction.Source).</summary>
    public string Source => Repository;
    /// <summary>
    /// As in every -WhatIf plan: false when the real run would refuse this step. Retention refuses no single decision (a
    /// snapshot being read or written is left with a warning, a refused run is an error), so it is always true.
    /// </summary>
    public bool WouldRun => true;
    /// <summary>As in every -WhatIf plan: the error id the real run would give for this step; always null here (see WouldRun).</summary>
    public string? ErrorId => null;
    /// <summary>As in every -WhatIf plan: why the real run would refuse this step; always null here (see WouldRun).</summary>
    public string? Problem => null;

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
