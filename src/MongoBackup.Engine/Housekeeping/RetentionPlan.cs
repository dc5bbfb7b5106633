namespace MongoBackup.Engine.Housekeeping;

/// <summary>What retention does with one snapshot.</summary>
public enum RetentionAction
{
    /// <summary>A rule keeps it, a kept window needs it, or it is left alone (unfinished, damaged, copy-only).</summary>
    Keep,

    /// <summary>No rule keeps it and no kept window needs it.</summary>
    Remove,
}

/// <summary>One snapshot's fate under the retention rules, and why.</summary>
public sealed record RetentionDecision(string SnapshotId, SnapshotKind? Kind, DateTimeOffset? StartTime, RetentionAction Action, string Reason,
    SnapshotManifest? Manifest);

/// <summary>Every snapshot of a repository with Keep or Remove, newest first.</summary>
public sealed record RetentionPlan(IReadOnlyList<RetentionDecision> Decisions)
{
    /// <summary>The decisions to remove, in the plan's order (newest first).</summary>
    public IEnumerable<RetentionDecision> Removals => Decisions.Where(d => d.Action == RetentionAction.Remove);

    /// <summary>What the user should know about the rules' effect: a restore window the chain does not yet cover, per source.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
