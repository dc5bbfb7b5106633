using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>One scheduled policy run (Invoke-MongoBackupPolicy): what to back up, where, how often a full is due, what to keep.</summary>
public sealed record BackupPolicyRequest
{
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromMinutes(10);

    public required ConnectionSettings Connection { get; init; }
    public required ISnapshotRepository Repository { get; init; }
    /// <summary>A full snapshot is due when the newest complete one of this source started at least this long ago (or there is none).</summary>
    public required TimeSpan FullEvery { get; init; }
    /// <summary>What the full snapshots take (-Database, -ExcludeDatabase, -Collection, -ExcludeCollection); everything when not given.</summary>
    public NamespaceFilter Filter { get; init; } = NamespaceFilter.Everything;
    /// <summary>Applied after the backup; null leaves every snapshot in place.</summary>
    public RetentionRules? Retention { get; init; }
    public Compression Compression { get; init; } = Compression.Gzip;
    /// <summary>How hard gzip or zstd works (see <see cref="CompressionLevels"/>), for full snapshots and slices alike.</summary>
    public System.IO.Compression.CompressionLevel CompressionLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
    public Repository.EncryptionKeySource? Encryption { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>How long the repository lease lasts unrenewed: how long a crashed run can block the next ones. Renewed every third of it.</summary>
    public TimeSpan LeaseDuration { get; init; } = DefaultLeaseDuration;
    /// <summary>Who this run is, as a refused run reports it.</summary>
    public string HolderId { get; init; } = RepositoryLeases.NewHolderId();

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
