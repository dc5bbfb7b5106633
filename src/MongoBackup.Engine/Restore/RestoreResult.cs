namespace MongoBackup.Engine.Restore;

/// <summary>What happened to one namespace of a restore.</summary>
public sealed record NamespaceRestoreResult(string SourceNamespace, string TargetNamespace, string Type)
{
    /// <summary>How far the restore of this namespace got (what an interrupted restore left behind).</summary>
    public NamespaceRestoreStage Stage { get; set; }
    public long Documents { get; set; }
    /// <summary>Documents the server refused (duplicate keys and the like); the others were still restored.</summary>
    public long Failures { get; set; }
    public int Indexes { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>Why the namespace could not be restored; null when it was.</summary>
    public string? Error { get; set; }
    public bool Succeeded => Error is null && Failures == 0;
}

/// <summary>
/// The steps of a namespace's restore, in order. The oplog is replayed between the data and the indexes, so
/// IndexesBuilt means whole: its documents, the replay, and its indexes.
/// </summary>
public enum NamespaceRestoreStage { NotStarted, Created, DataRestored, IndexesBuilt }

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


    /// <summary>The oplog replay had begun (what a stopped restore says it left: the replay is run again by -Resume).</summary>
    public bool OplogReplayBegun { get; set; }
}
