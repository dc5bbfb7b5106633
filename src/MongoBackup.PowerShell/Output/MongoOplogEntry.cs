using MongoBackup.Engine.Oplog;

namespace MongoBackup;

/// <summary>
/// An operation Find-MongoOplogEntry found in the oplog a repository holds. Pipes into Restore-MongoPointInTime by its
/// Repository and ClusterTime properties: ClusterTime is the moment just before this entry, so the restore
/// holds everything up to it and nothing of it.
/// </summary>
public sealed class MongoOplogEntry
{
    /// <summary>The entry's oplog timestamp, "Timestamp(seconds, increment)" (for an operation in a transaction, its entry's).</summary>
    public string Timestamp { get; init; } = "";
    /// <summary>The entry's wall time, to the millisecond, in local time with its offset; null for an entry written without one.</summary>
    public DateTimeOffset? WallTime { get; init; }
    /// <summary>Insert, Update, Delete, Noop, or the command as MongoDB names it, first letter capital (Drop, DropDatabase, RenameCollection, ...).</summary>
    public string Operation { get; init; } = "";
    /// <summary>The namespace changed ("db.collection"; a renameCollection's source); a database's name for DropDatabase.</summary>
    public string Namespace { get; init; } = "";
    /// <summary>A short description: the _id written, or the command's document, shortened.</summary>
    public string Summary { get; init; } = "";
    /// <summary>A renameCollection's target namespace; null for every other operation.</summary>
    public string? RenamedTo { get; init; }
    /// <summary>True for an operation inside a transaction (or an applyOps command), which applies whole at its commit.</summary>
    public bool InTransaction { get; init; }
    /// <summary>
    /// The moment just before this entry, one increment earlier: "Timestamp(seconds, increment - 1)" (for increment 0, the
    /// last timestamp of the second before). Restore-MongoPointInTime -ClusterTime takes it, from the pipeline too.
    /// </summary>
    public string ClusterTime { get; init; } = "";
    /// <summary>The snapshot (oplog slice or full snapshot) whose oplog holds the entry.</summary>
    public string SnapshotId { get; init; } = "";
    /// <summary>
    /// The source the entry is of (Get-MongoSnapshot's SourceId), for Restore-MongoPointInTime -SourceId when the windows of
    /// several sources reach the moment (not bound from the pipeline: a snapshot or window piped there may carry none).
    /// </summary>
    public string? SourceId { get; init; }
    public string Repository { get; init; } = "";

    public override string ToString() => $"{Timestamp} {Operation} {Namespace}";

    public static MongoOplogEntry From(FoundOplogEntry found, string? sourceId, string repository)
    {
        ArgumentNullException.ThrowIfNull(found);
        return new MongoOplogEntry
        {
            Timestamp = found.Timestamp.ToString(),
            WallTime = LocalTime.Of(found.WallTime),
            Operation = found.Operation,
            Namespace = found.Namespace,
            Summary = found.Summary,
            RenamedTo = found.RenamedTo,
            InTransaction = found.InTransaction,
            ClusterTime = found.JustBefore.ToString(),
            SnapshotId = found.SnapshotId,
            SourceId = sourceId,
            Repository = repository,
        };
    }
}
