using MongoBackup.Engine.Restore;

namespace MongoBackup;

/// <summary>What one Restore-MongoDatabase run did, with one <see cref="MongoNamespaceRestoreResult"/> per namespace.</summary>
public sealed class MongoRestoreResult
{
    public string Source { get; init; } = "";
    public string Target { get; init; } = "";
    public DateTime StartTime { get; init; }
    public MongoNamespaceRestoreResult[] Namespaces { get; init; } = [];
    public long Documents { get; init; }
    public long Failures { get; init; }
    public int Indexes { get; init; }
    public TimeSpan Duration { get; init; }
    public long OplogEntriesApplied { get; init; }
    public string? OplogError { get; init; }
    public long UsersRestored { get; init; }
    public long RolesRestored { get; init; }
    /// <summary>Why users and roles could not be restored (-IncludeUsersAndRoles); null when they were, or were not asked for.</summary>
    public string? UsersAndRolesError { get; init; }
    public bool Succeeded { get; init; }

    /// <summary>Restore-MongoPointInTime: the moment restored to (UTC); for -ClusterTime, the wall second of that timestamp.</summary>
    public DateTime? PointInTime { get; private set; }
    /// <summary>Restore-MongoPointInTime -ClusterTime: the exact oplog timestamp restored to.</summary>
    public string? ClusterTime { get; private set; }
    /// <summary>Restore-MongoPointInTime: the full snapshot the restore started from.</summary>
    public string? BaseSnapshotId { get; private set; }
    /// <summary>Restore-MongoPointInTime: the oplog slices replayed after the base snapshot, oldest first.</summary>
    public string[] SliceIds { get; private set; } = [];
    public int SlicesApplied => SliceIds.Length;
    /// <summary>Restore-MongoPointInTime: oplog entries replayed from the slices (OplogEntriesApplied also counts the base snapshot's own).</summary>
    public long SliceEntriesApplied { get; private set; }

    public static MongoRestoreResult FromPointInTime(PointInTimeOutcome outcome)
    {
        var result = FromOutcome(outcome.Restore);
        result.PointInTime = (outcome.Limit.WallTime ?? outcome.Limit.Timestamp.WallTime).UtcDateTime;
        result.ClusterTime = outcome.Limit.WallTime is null ? outcome.Limit.Timestamp.ToString() : null;
        result.BaseSnapshotId = outcome.Window.BaseSnapshot.Id;
        result.SliceIds = outcome.Window.Slices.Select(s => s.Id).ToArray();
        result.SliceEntriesApplied = outcome.SliceEntriesApplied;
        return result;
    }

    public static MongoRestoreResult FromOutcome(RestoreOutcome outcome) => new()
    {
        Source = outcome.Source,
        Target = outcome.Target,
        StartTime = outcome.StartTime.UtcDateTime,
        Namespaces = outcome.Namespaces.Select(MongoNamespaceRestoreResult.FromResult).ToArray(),
        Documents = outcome.Namespaces.Sum(n => n.Documents),
        Failures = outcome.Namespaces.Sum(n => n.Failures),
        Indexes = outcome.Namespaces.Sum(n => n.Indexes),
        Duration = outcome.Duration,
        OplogEntriesApplied = outcome.OplogEntriesApplied,
        OplogError = outcome.OplogError,
        UsersRestored = outcome.UsersRestored,
        RolesRestored = outcome.RolesRestored,
        UsersAndRolesError = outcome.UsersAndRolesError,
        Succeeded = outcome.Succeeded,
    };
}

/// <summary>One namespace of a restore: where it came from, where it went, and how it went.</summary>
public sealed class MongoNamespaceRestoreResult
{
    public string SourceNamespace { get; init; } = "";
    public string TargetNamespace { get; init; } = "";
    /// <summary>collection, view or timeseries.</summary>
    public string Type { get; init; } = "";
    public long Documents { get; init; }
    /// <summary>Documents the server refused; the others were restored.</summary>
    public long Failures { get; init; }
    public int Indexes { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Error { get; init; }
    public bool Succeeded { get; init; }

    public override string ToString() => TargetNamespace;

    public static MongoNamespaceRestoreResult FromResult(NamespaceRestoreResult result) => new()
    {
        SourceNamespace = result.SourceNamespace,
        TargetNamespace = result.TargetNamespace,
        Type = result.Type,
        Documents = result.Documents,
        Failures = result.Failures,
        Indexes = result.Indexes,
        Duration = result.Duration,
        Error = result.Error,
        Succeeded = result.Succeeded,
    };
}
