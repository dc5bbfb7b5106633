namespace MongoBackup.Engine.Housekeeping;

public enum RetentionAction { Keep, Remove }

/// <summary>One snapshot's fate under the retention rules, and why.</summary>
public sealed record RetentionDecision(string SnapshotId, SnapshotKind? Kind, DateTimeOffset? StartTime, RetentionAction Action, string Reason,
    SnapshotManifest? Manifest);

/// <summary>Every snapshot of a repository with Keep or Remove, newest first.</summary>
public sealed record RetentionPlan(IReadOnlyList<RetentionDecision> Decisions)
{
    public IEnumerable<RetentionDecision> Removals => Decisions.Where(d => d.Action == RetentionAction.Remove);
}
