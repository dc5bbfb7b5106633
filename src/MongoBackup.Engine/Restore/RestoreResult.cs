namespace MongoBackup.Engine.Restore;

/// <summary>What happened to one namespace of a restore.</summary>
public sealed record NamespaceRestoreResult(string SourceNamespace, string TargetNamespace, string Type)
{
    public long Documents { get; set; }
    /// <summary>Documents the server refused (duplicate keys and the like); the others were still restored.</summary>
    public long Failures { get; set; }
    public int Indexes { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>Why the namespace could not be restored; null when it was.</summary>
    public string? Error { get; set; }
    public bool Succeeded => Error is null && Failures == 0;
}

/// <summary>One restore run: its source, target and every namespace's outcome.</summary>
public sealed record RestoreOutcome(string Source, string Target, DateTimeOffset StartTime)
{
    public List<NamespaceRestoreResult> Namespaces { get; } = [];
    public TimeSpan Duration { get; set; }
    public long OplogEntriesApplied { get; set; }
    public long UsersRestored { get; set; }
    public long RolesRestored { get; set; }
    public bool Succeeded => Namespaces.All(n => n.Succeeded) && OplogError is null && UsersAndRolesError is null;
    public string? OplogError { get; set; }
    /// <summary>Why users and roles could not be restored (-IncludeUsersAndRoles); null when they were, or were not asked for.</summary>
    public string? UsersAndRolesError { get; set; }

    /// <summary>The source namespaces ("db.collection") that failed: an oplog replay leaves them alone.</summary>
    public IReadOnlySet<string> FailedSourceNamespaces() =>
        Namespaces.Where(n => n.Error is not null).Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal);
}
