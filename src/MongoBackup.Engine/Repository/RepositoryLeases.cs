namespace MongoBackup.Engine.Repository;

/// <summary>
/// Lease entry point for any repository, with a clear refusal for kinds that cannot grant one. Folder, Azure Blob and
/// S3 repositories grant leases; an S3-compatible store that ignores conditional writes is refused by the S3 repository itself.
/// </summary>
public static class RepositoryLeases
{
    /// <summary>Shortest lease accepted: renewal runs at a third of it, and clocks between machines drift by seconds.</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromSeconds(15);

    /// <summary>A holder id that names this machine and process, plus a random part so two runs in one process differ.</summary>
    public static string NewHolderId() =>
        $"{Environment.MachineName}/pid {Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// Takes the repository's lease for <paramref name="duration"/> (at least <see cref="MinimumDuration"/>) for
    /// <paramref name="holderId"/>, judging expiry by <paramref name="clock"/> (the system clock when null; tests move one by hand).
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument for a shorter duration; LeaseNotSupported for a repository that grants none (or an S3 store that ignores conditional writes).</exception>
    public static Task<LeaseAttempt> TryAcquireAsync(ISnapshotRepository repository, string holderId, TimeSpan duration, CancellationToken ct,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(holderId);
        if (duration < MinimumDuration)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"A repository lease must last at least {MinimumDuration.TotalSeconds:0} seconds; {duration} was asked for.", target: "LeaseDuration");
        if (repository is not ILeasableRepository leasable)
            throw new MongoBackupException(ErrorIds.LeaseNotSupported,
                $"The repository {repository.Location} cannot grant a lease (folder, Azure Blob and S3 repositories can), so concurrent scheduled runs could not be kept apart. Use one of those for Invoke-MongoBackupPolicy, or schedule Backup-MongoDatabase and Backup-MongoOplog directly.",
                target: repository.Location);
        return clock is null ? leasable.TryAcquireLeaseAsync(holderId, duration, ct) : leasable.TryAcquireLeaseAsync(holderId, duration, clock, ct);
    }
}
