using MongoBackup.Engine.Restore;

namespace MongoBackup;

/// <summary>What one Restore-MongoDatabase run did, with one <see cref="MongoNamespaceRestoreResult"/> per namespace.</summary>
public sealed class MongoRestoreResult
{
    public string Source { get; init; } = "";
    public string Target { get; init; } = "";
    /// <summary>When the restore started, in local time with its offset.</summary>
    public DateTimeOffset StartTime { get; init; }
    public OutputList<MongoNamespaceRestoreResult> Namespaces { get; init; } = OutputList<MongoNamespaceRestoreResult>.Empty;
    /// <summary>
    /// Documents inserted from the snapshot, over all namespaces (a time-series collection's measurements, see
    /// <see cref="MongoNamespaceRestoreResult.Documents"/>). Documents the oplog replay inserts or deletes afterwards
    /// are not in it: they are among <see cref="OplogEntriesApplied"/>, and <see cref="FinalDocuments"/> is what the target holds.
    /// </summary>
    public long Documents { get; init; }
    /// <summary>Time-series collections' buckets inserted from the snapshot, over all namespaces (each holds many measurements); 0 when none was restored.</summary>
    public long Buckets { get; init; }
    /// <summary>
    /// Documents the restored collections hold once the restore has ended, after the oplog replay (what to compare with the
    /// source at the snapshot's consistency point or the point in time), over all target collections whose count is known,
    /// each once (two namespaces renamed into one collection count it once): a time-series collection's measurements, as
    /// countDocuments counts them on it; views not counted.
    /// </summary>
    public long FinalDocuments { get; init; }
    /// <summary>
    /// How many parts of the restore failed: namespaces not restored whole (refused, failed, or with documents the server
    /// refused), plus the oplog replay and the users and roles when they failed. 0 when <see cref="Succeeded"/>.
    /// </summary>
    public int Failures { get; init; }
    /// <summary>Documents the server refused (duplicate keys and the like; time-series buckets refused as invalid), over all namespaces.</summary>
    public long DocumentsRefused { get; init; }
    public int Indexes { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>
    /// Oplog entries replayed onto the target (inserts, updates, deletes, commands; a transaction's operations one by
    /// one): the base snapshot's own oplog and, for Restore-MongoPointInTime, the slices' entries (<see cref="SliceEntriesApplied"/>).
    /// </summary>
    public long OplogEntriesApplied { get; init; }
    public string? OplogError { get; init; }
    public long UsersRestored { get; init; }
    public long RolesRestored { get; init; }
    /// <summary>Why users and roles could not be restored (-IncludeUsersAndRoles); null when they were, or were not asked for.</summary>
    public string? UsersAndRolesError { get; init; }
    public bool Succeeded { get; init; }

    /// <summary>
    /// Restore-MongoPointInTime: the instant restored to, as -PointInTime was read (shown in local time with its offset);
    /// for -ClusterTime, the wall second of that timestamp.
    /// </summary>
    public DateTimeOffset? PointInTime { get; private set; }
    /// <summary>Restore-MongoPointInTime -ClusterTime: the exact oplog timestamp restored to.</summary>
    public string? ClusterTime { get; private set; }
    /// <summary>
    /// The full snapshot whose data was restored: the one Restore-MongoDatabase restored (piped, by -Id, or a -Path that is a
    /// snapshot folder), or the one Restore-MongoPointInTime started from before replaying its slices; null when the
    /// source was a mongodump directory or archive.
    /// </summary>
    public string? BaseSnapshotId { get; private set; }
    /// <summary>
    /// Restore-MongoPointInTime: the id of the source restored (the window's SourceId: a replica set's replicaSetId, a
    /// cluster's clusterId, or for a source that recorded none its name and oldest snapshot's id).
    /// </summary>
    public string? SourceId { get; private set; }
    /// <summary>Restore-MongoPointInTime: the oplog slices of the window after the base snapshot up to the moment, oldest first (replayed when <see cref="SlicesApplied"/> counts them).</summary>
    public OutputList<string> SliceIds { get; private set; } = OutputList<string>.Empty;
    /// <summary>Restore-MongoPointInTime: the slices actually replayed; 0 when the restore was refused before its replay.</summary>
    public int SlicesApplied { get; private set; }
    /// <summary>Restore-MongoPointInTime: oplog entries replayed from the slices (OplogEntriesApplied also counts the base snapshot's own).</summary>
    public long SliceEntriesApplied { get; private set; }

    /// <summary>The type name Restore-MongoPointInTime adds to its results, which selects their own table view.</summary>
    public const string PointInTimeTypeName = "MongoBackup.MongoRestoreResult#PointInTime";

    public static MongoRestoreResult FromPointInTime(PointInTimeOutcome outcome)
    {
        var result = FromOutcome(outcome.Restore);
        result.PointInTime = LocalTime.Of(outcome.Limit.WallTime ?? outcome.Limit.Timestamp.WallTime);
        result.ClusterTime = outcome.Limit.WallTime is null ? outcome.Limit.Timestamp.ToString() : null;
        result.SliceIds = OutputList.Of(outcome.Window.Slices.Select(s => s.Id));
        result.SourceId = outcome.Window.SourceId;
        result.SliceEntriesApplied = outcome.SliceEntriesApplied;
        result.SlicesApplied = outcome.SlicesApplied;
        return result;
    }

    public static MongoRestoreResult FromOutcome(RestoreOutcome outcome) => new()
    {
        Source = outcome.Source,
        Target = outcome.Target,
        StartTime = LocalTime.Of(outcome.StartTime),
        Namespaces = OutputList.Of(outcome.Namespaces.Select(MongoNamespaceRestoreResult.FromResult)),
        Documents = outcome.Namespaces.Sum(MongoNamespaceRestoreResult.DocumentsOf),
        Buckets = outcome.Namespaces.Sum(n => n.Buckets ?? 0),
        FinalDocuments = outcome.FinalDocuments,
        Failures = outcome.Namespaces.Count(n => !n.Succeeded) + (outcome.OplogError is null ? 0 : 1) + (outcome.UsersAndRolesError is null ? 0 : 1),
        DocumentsRefused = outcome.Namespaces.Sum(n => n.Failures),
        Indexes = outcome.Namespaces.Sum(n => n.Indexes),
        Duration = outcome.Duration,
        OplogEntriesApplied = outcome.OplogEntriesApplied,
        OplogError = outcome.OplogError,
        UsersRestored = outcome.UsersRestored,
        RolesRestored = outcome.RolesRestored,
        UsersAndRolesError = outcome.UsersAndRolesError,
        Succeeded = outcome.Succeeded,
        BaseSnapshotId = outcome.SnapshotId,
    };
}

/// <summary>One namespace of a restore: where it came from, where it went, and how it went.</summary>
public sealed class MongoNamespaceRestoreResult
{
    public string SourceNamespace { get; init; } = "";
    public string TargetNamespace { get; init; } = "";
    /// <summary>collection, view or timeseries.</summary>
    public string Type { get; init; } = "";
    /// <summary>
    /// Documents inserted from the snapshot, before the oplog replay. For a time-series collection, the measurements its
    /// buckets hold (<see cref="Buckets"/>), counted as countDocuments counts them once they are all in; 0 when they are not
    /// all in or the count was not answered.
    /// </summary>
    public long Documents { get; init; }
    /// <summary>
    /// For a time-series collection, the buckets inserted from the snapshot (system.buckets.NAME's documents, each holding
    /// many measurements): what its file and the snapshot's manifest count, and what the restore checks against them; null otherwise.
    /// </summary>
    public long? Buckets { get; init; }
    /// <summary>
    /// Documents the collection holds once the restore has ended, after the oplog replay (for a time-series collection its
    /// measurements, as countDocuments counts them); null for a view or a namespace not restored.
    /// </summary>
    public long? FinalDocuments { get; init; }
    /// <summary>
    /// Documents the server refused (duplicate keys and the like; for a time-series collection, buckets it refused as
    /// invalid); the others were restored.
    /// </summary>
    public long DocumentsRefused { get; init; }
    public int Indexes { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Error { get; init; }
    public bool Succeeded { get; init; }

    public override string ToString() => TargetNamespace;

    /// <summary>What a user counts of what was inserted: a time-series collection's measurements (0 when unknown), another's documents.</summary>
    internal static long DocumentsOf(NamespaceRestoreResult result) => result.IsTimeseries ? result.Measurements ?? 0 : result.Documents;

    public static MongoNamespaceRestoreResult FromResult(NamespaceRestoreResult result) => new()
    {
        SourceNamespace = result.SourceNamespace,
        TargetNamespace = result.TargetNamespace,
        Type = result.Type,
        Documents = DocumentsOf(result),
        Buckets = result.Buckets,
        FinalDocuments = result.FinalDocuments,
        DocumentsRefused = result.Failures,
        Indexes = result.Indexes,
        Duration = result.Duration,
        Error = result.Error,
        Succeeded = result.Succeeded,
    };
}
