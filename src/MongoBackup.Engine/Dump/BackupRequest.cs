using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Dump;

/// <summary>Everything one Backup-MongoDatabase run needs, bound from its parameters.</summary>
public sealed record BackupRequest
{
    /// <summary>The source server.</summary>
    public required ConnectionSettings Connection { get; init; }
    /// <summary>Where the snapshot is written.</summary>
    public required ISnapshotRepository Repository { get; init; }
    /// <summary>What the snapshot takes; every user database when not narrowed (recorded as the snapshot's scope).</summary>
    public NamespaceFilter Filter { get; init; } = NamespaceFilter.Everything;
    /// <summary>How each file is compressed: zstd (the default, see <see cref="BackupCompression"/>), gzip (readable by mongorestore --gzip) or none.</summary>
    public Compression Compression { get; init; } = BackupCompression.Default;
    /// <summary>How hard gzip or zstd works (see <see cref="Codecs.CompressionLevels"/>): Fastest, Optimal or SmallestSize.</summary>
    public System.IO.Compression.CompressionLevel CompressionLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
    /// <summary>How many cursors read at once, across all collections (a large collection's _id ranges count one each).</summary>
    public int ParallelCollections { get; init; } = 4;
    /// <summary>A collection with at least this many documents is split into ParallelCollections _id ranges, read in parallel within that same budget.</summary>
    public long SplitThresholdDocuments { get; init; } = 250_000;
    /// <summary>
    /// Also save the users and roles of the databases taken (admin.system.users/roles filtered to them), as mongodump --dumpDbUsersAndRoles.
    /// </summary>
    public bool IncludeUsersAndRoles { get; init; }
    /// <summary>
    /// Only the documents of the one chosen collection that match (mongodump's --query). Such a snapshot is not
    /// point-in-time consistent (no oplog is saved, as mongodump refuses --oplog with --query) and stays out of the chain.
    /// </summary>
    public DocumentQuery? Query { get; init; }
    /// <summary>Take the snapshot outside the backup chain (see <see cref="SnapshotManifest.CopyOnly"/>).</summary>
    public bool CopyOnly { get; init; }
    /// <summary>Free labels recorded in the manifest (shown by Get-MongoSnapshot); never a secret.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// For a cluster (a mongos): shard member addresses as config.shards names them ("host:port") mapped to the names this
    /// machine reaches them by; addresses not named are used as they are.
    /// </summary>
    public IReadOnlyDictionary<string, string> ShardHostMap { get; init; } = new Dictionary<string, string>();
    /// <summary>For a cluster: stop a running balancer for the backup and start it again afterwards (also on failure); without it a running balancer refuses the backup.</summary>
    public bool StopBalancer { get; init; }
    /// <summary>Encrypt the snapshot with this key; null writes it in the clear (mongorestore-compatible).</summary>
    public Repository.EncryptionKeySource? Encryption { get; init; }
}
