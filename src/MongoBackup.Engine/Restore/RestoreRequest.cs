using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Restore;

/// <summary>Everything one Restore-MongoDatabase run needs, bound from its parameters.</summary>
public sealed record RestoreRequest
{
    /// <summary>The target server.</summary>
    public required ConnectionSettings Connection { get; init; }
    /// <summary>A snapshot folder, a mongodump directory, or a mongodump --archive file (when no <see cref="Snapshot"/> is given).</summary>
    public string SourcePath { get; init; } = "";
    /// <summary>A snapshot read straight from its repository (any kind), checked against its manifest as it is read.</summary>
    public RepositorySnapshot? Snapshot { get; init; }
    /// <summary>Filters apply to the names in the dump, before renaming (as mongorestore's --nsInclude does).</summary>
    public NamespaceFilter Filter { get; init; } = NamespaceFilter.Everything;
    /// <summary>Renames (-RenameDatabase, -NamespaceMap), applied after the filters.</summary>
    public NamespaceMap Map { get; init; } = NamespaceMap.Identity;
    /// <summary>Drop each target collection before restoring it. Without it a target holding data is an error.</summary>
    public bool Drop { get; init; }
    /// <summary>
    /// Finish a restore that was interrupted: targets that already hold data are filled in rather than refused, documents
    /// already there (same _id) are kept and counted as restored, indexes and the oplog replay (idempotent) run again.
    /// </summary>
    public bool Resume { get; init; }
    /// <summary>
    /// For a point-in-time restore, the moment it restores to (in UTC, <see cref="PointInTimeRestoreRunner.RestoreRequestFor"/>):
    /// recorded with the snapshot in the targets while the restore runs, and required the same by -Resume. Null for a restore of a snapshot as it is.
    /// </summary>
    public string? Moment { get; init; }
    /// <summary>Leave out the indexes (the _id index is always there).</summary>
    public bool NoIndexRestore { get; init; }
    /// <summary>
    /// Build legacy index keys ({a: true}, {a: 0}, {a: ""}) as the ascending indexes servers before 3.4 built, as
    /// mongorestore --convertLegacyIndexes does (<see cref="LegacyIndexConversion"/>); without it such an index fails its namespace.
    /// </summary>
    public bool ConvertLegacyIndexes { get; init; }
    /// <summary>Do not replay the dump's oplog: the data is then as read, not consistent at one moment.</summary>
    public bool NoOplogReplay { get; init; }
    /// <summary>
    /// Also restore the users and roles of the databases restored (existing ones replaced only with <see cref="Drop"/>).
    /// </summary>
    public bool IncludeUsersAndRoles { get; init; }
    /// <summary>Insertion workers per collection.</summary>
    public int InsertionWorkers { get; init; } = 2;
    /// <summary>Collections restored at once (a mongodump directory; an archive feeds all its namespaces together).</summary>
    public int ParallelCollections { get; init; } = 4;
    /// <summary>The key of an encrypted snapshot; null for plain ones.</summary>
    public Repository.EncryptionKeySource? Encryption { get; init; }
    /// <summary>
    /// Whether to check every file of a repository snapshot before writing anything. Null (the default): only with
    /// <see cref="Drop"/>, which replaces collections a damaged file could not give back; otherwise each data file is
    /// checked as it is restored, so every stored byte is read once, and a namespace whose file fails is taken back.
    /// The oplog is checked first in every case but false.
    /// </summary>
    public bool? VerifyBeforeRestore { get; init; }
    /// <summary>
    /// Bulk insert batches take whole blocks of about 1 MiB (or up to 10,000 documents) while their insert command stays
    /// within this many bytes (two blocks fill a pooled 2 MiB command buffer). Larger batches mean fewer commands but
    /// more memory at four collections with two workers each (the driver also pools a copy of every command it sends):
    /// measured at 300,000 documents, 4 MiB held 10-25 MB more than the restore did before this shape and 8 MiB about
    /// 100 MB more, while 2 MiB holds about 40 MB less (README, Performance).
    /// </summary>
    public int BatchBytes { get; init; } = 2 * 1024 * 1024;
    /// <summary>
    /// Replayed in place of the dump's own oplog when set: a cluster's point-in-time restore reads its shards' oplogs and
    /// slices as one merged stream, whose part up to the snapshot's cut this is (see <see cref="Cluster.ClusterOplogToMoment"/>).
    /// </summary>
    internal Oplog.Replay.OplogSegment? DumpOplog { get; init; }

    /// <summary>
    /// A Test-MongoSnapshot scratch restore (into renamed scratch databases, dropped afterwards): it compares the data as
    /// copied with the manifest's counts, so a cluster snapshot restored without its oplog is not warned of.
    /// </summary>
    internal bool IsScratchCheck { get; init; }
}

/// <summary>A snapshot by its id in a repository.</summary>
public sealed record RepositorySnapshot(ISnapshotRepository Repository, string Id);
