using MongoBackup.Engine.Repository;

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

    /// <summary>The one source the rules reached (a backup policy's); null when they reached every source of the repository.</summary>
    public SourceIdentity? Source { get; init; }

    /// <summary>How the reason of a snapshot kept for being of another source than <see cref="Source"/> begins.</summary>
    public const string OtherSourcePrefix = "it is of another source, ";

    /// <summary>The snapshots kept for being of another source than <see cref="Source"/> (none when the rules reached every source).</summary>
    public IEnumerable<RetentionDecision> OtherSources => Decisions.Where(d => d.Reason.StartsWith(OtherSourcePrefix, StringComparison.Ordinal));
}
