using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>One scheduled policy run (Invoke-MongoBackupPolicy): what to back up, where, how often a full is due, what to keep.</summary>
public sealed record BackupPolicyRequest
{
    /// <summary>
    /// Two minutes, as a snapshot's writer mark (<see cref="SnapshotReadLease.DefaultDuration"/>): a running run renews it every
    /// 40 seconds however long it runs, so a crashed run keeps the next scheduled one out for two minutes at most, while a
    /// live one keeps it for as long as it runs; a renewal has 80 seconds before the lease runs out.
    /// </summary>
    public static readonly TimeSpan DefaultLeaseDuration = SnapshotReadLease.DefaultDuration;

    /// <summary>The source server.</summary>
    public required ConnectionSettings Connection { get; init; }
    /// <summary>The repository; it must grant leases (folder, Azure Blob, S3 with conditional writes).</summary>
    public required ISnapshotRepository Repository { get; init; }
    /// <summary>A full snapshot is due when the newest complete one of this source started at least this long ago (or there is none).</summary>
    public required TimeSpan FullEvery { get; init; }
    /// <summary>What the full snapshots take (-Database, -ExcludeDatabase, -Collection, -ExcludeCollection); everything when not given.</summary>
    public NamespaceFilter Filter { get; init; } = NamespaceFilter.Everything;
    /// <summary>Applied after the backup; null leaves every snapshot in place.</summary>
    public RetentionRules? Retention { get; init; }
    /// <summary>How full snapshots and slices are compressed (zstd by default, see <see cref="BackupCompression"/>).</summary>
    public Compression Compression { get; init; } = BackupCompression.Default;
    /// <summary>How hard gzip or zstd works (see <see cref="Codecs.CompressionLevels"/>), for full snapshots and slices alike.</summary>
    public System.IO.Compression.CompressionLevel CompressionLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
    /// <summary>Encrypt full snapshots and slices with this key; null writes them in the clear.</summary>
    public Repository.EncryptionKeySource? Encryption { get; init; }
    /// <summary>Free labels recorded in each manifest written; never a secret.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// How long the repository lease lasts unrenewed: how long a crashed run can block the next ones. Renewed every third of
    /// it while the run lasts, so it bounds neither the run's length nor the time a run holds the repository.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = DefaultLeaseDuration;
    /// <summary>
    /// For a sharded cluster (a mongos): shard member addresses as config.shards names them mapped to the names this
    /// machine reaches them by, for the full backups and slices alike (see <see cref="Dump.BackupRequest.ShardHostMap"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ShardHostMap { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// For a sharded cluster: a run that takes a full backup stops a running balancer for it and starts it again afterwards
    /// (<see cref="Dump.BackupRequest.StopBalancer"/>); without it a running balancer refuses that run. A slice never touches the balancer.
    /// </summary>
    public bool StopBalancer { get; init; }
    /// <summary>
    /// The full backups also save the users and roles of the databases taken (<see cref="Dump.BackupRequest.IncludeUsersAndRoles"/>,
    /// mongodump --dumpDbUsersAndRoles); slices need nothing for it: changes to them are in the oplog.
    /// </summary>
    public bool IncludeUsersAndRoles { get; init; }
    /// <summary>Who this run is, as a refused run reports it.</summary>
    public string HolderId { get; init; } = RepositoryLeases.NewHolderId();

    /// <summary>
    /// Refuses settings that cannot work.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument naming the setting: FullEvery not above zero, LeaseDuration below
    /// the minimum, or retention rules that keep nothing.</exception>
    public void Validate()
    {
        if (FullEvery <= TimeSpan.Zero)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"FullEvery must be longer than zero; it is {FullEvery}.", target: "FullEvery");
        if (LeaseDuration < RepositoryLeases.MinimumDuration)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"LeaseDuration must be at least {RepositoryLeases.MinimumDuration.TotalSeconds:0} seconds; it is {LeaseDuration}.", target: "LeaseDuration");
        Retention?.Validate();
    }
}
