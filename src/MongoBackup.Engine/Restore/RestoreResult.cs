namespace MongoBackup.Engine.Restore;

/// <summary>What happened to one namespace of a restore.</summary>
public sealed record NamespaceRestoreResult(string SourceNamespace, string TargetNamespace, string Type)
{
    /// <summary>How far the restore of this namespace got (what an interrupted restore left behind).</summary>
    public NamespaceRestoreStage Stage { get; set; }
    /// <summary>
    /// Documents inserted from the snapshot or dump (on -Resume, those already there count too), before the oplog replay:
    /// for a time-series collection its buckets (the documents of system.buckets.NAME, as its file and the snapshot's
    /// manifest count them, each holding many measurements), which every check of the restore compares.
    /// </summary>
    public long Documents { get; set; }
    /// <summary>For a time-series collection, the buckets inserted (<see cref="Documents"/>); null for any other namespace.</summary>
    public long? Buckets => IsTimeseries ? Documents : null;
    /// <summary>
    /// For a time-series collection, the measurements its buckets hold once they are all in, before the oplog replay,
    /// counted on the target as countDocuments counts them (<see cref="TimeseriesMeasurements"/>); null for any other
    /// namespace, or when its buckets did not all go in or the server did not answer the count.
    /// </summary>
    public long? Measurements { get; set; }
    /// <summary>
    /// Documents the target collection holds once the restore has ended, after the oplog replay (see <see cref="FinalCounts"/>):
    /// for a time-series collection its measurements, as countDocuments counts them on it. Null for a view, a namespace
    /// whose documents are not in the target (not restored, or taken back), or when the server did not answer the count.
    /// A namespace that failed after its documents went in and was left holding them (its indexes refused on a collection
    /// that existed before) has it: what it holds.
    /// </summary>
    public long? FinalDocuments { get; set; }
    /// <summary>True for a time-series collection (type "timeseries").</summary>
    public bool IsTimeseries => Type == Formats.CollectionMetadata.TimeseriesType;
    /// <summary>
    /// For a cluster snapshot, documents left out because the shard they were copied from did not own their chunk at the
    /// cut (a chunk migration's orphans on its donor); 0 otherwise. The snapshot's per-shard counts include them.
    /// </summary>
    public long OrphansLeftOut { get; set; }
    /// <summary>Documents the server refused (duplicate keys and the like); the others were still restored.</summary>
    public long Failures { get; set; }
    /// <summary>The server's reason for the first document it refused ("DuplicateKey: E11000 …"); null when none was.</summary>
    public string? FirstRefusal { get; set; }
    /// <summary>Indexes built, the _id index not counted.</summary>
    public int Indexes { get; set; }
    /// <summary>Wall-clock time spent on this namespace.</summary>
    public TimeSpan Duration { get; set; }
    /// <summary>Why the namespace could not be restored; null when it was.</summary>
    public string? Error { get; set; }
    /// <summary>True when the namespace was restored with no error and no refused document.</summary>
    public bool Succeeded => Error is null && Failures == 0;
}

/// <summary>
/// The steps of a namespace's restore, in order. The oplog is replayed between the data and the indexes, so
/// IndexesBuilt means whole: its documents, the replay, and its indexes.
/// </summary>
public enum NamespaceRestoreStage
{
    /// <summary>Nothing was done on the target for it.</summary>
    NotStarted,

    /// <summary>The target collection (or view) was created with its options; its documents are not all in.</summary>
    Created,

    /// <summary>Every document the file holds went in (or was refused and counted).</summary>
    DataRestored,

    /// <summary>Documents, replay and indexes: restored whole.</summary>
    IndexesBuilt,
}

/// <summary>One restore run: its source, target and every namespace's outcome.</summary>
public sealed record RestoreOutcome(string Source, string Target, DateTimeOffset StartTime)
{
    /// <summary>One result per planned namespace, in the plan's order.</summary>
    public List<NamespaceRestoreResult> Namespaces { get; } = [];
    /// <summary>The repository snapshot restored (for a point-in-time restore, its base); null for a mongodump directory or archive.</summary>
    public string? SnapshotId { get; init; }
    /// <summary>The whole run's wall-clock time.</summary>
    public TimeSpan Duration { get; set; }
    /// <summary>Oplog entries the replay applied (those it left out as outside the restore not counted).</summary>
    public long OplogEntriesApplied { get; set; }
    /// <summary>Users created or replaced (-IncludeUsersAndRoles).</summary>
    public long UsersRestored { get; set; }
    /// <summary>Roles created or replaced (-IncludeUsersAndRoles).</summary>
    public long RolesRestored { get; set; }
    /// <summary>
    /// The documents the restored collections hold once the restore has ended (a time-series collection's measurements),
    /// over every target collection whose count is known (each target is one source's: two sources renamed onto one are refused).
    /// </summary>
    public long FinalDocuments => Namespaces.Sum(n => n.FinalDocuments ?? 0);
    /// <summary>True when every namespace, the replay and the users and roles succeeded.</summary>
    public bool Succeeded => Namespaces.All(n => n.Succeeded) && OplogError is null && UsersAndRolesError is null;
    /// <summary>Why the oplog replay stopped; null when it ran to its end or was not asked for.</summary>
    public string? OplogError { get; set; }
    /// <summary>Why users and roles could not be restored (-IncludeUsersAndRoles); null when they were, or were not asked for.</summary>
    public string? UsersAndRolesError { get; set; }


    /// <summary>The oplog replay had begun (what a stopped restore says it left: the replay is run again by -Resume).</summary>
    public bool OplogReplayBegun { get; set; }

    /// <summary>The target namespaces the oplog replay wrote to; null when no replay ran (what <see cref="FinalCounts"/> reads).</summary>
    internal Oplog.Replay.ReplayWrites? ReplayWrites { get; set; }
}
