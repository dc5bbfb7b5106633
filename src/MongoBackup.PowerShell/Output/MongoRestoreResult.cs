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
    public bool Succeeded { get; init; }

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
