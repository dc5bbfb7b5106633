namespace MongoBackup.Engine.Repository;

/// <summary>
/// A time-limited, exclusive hold on a repository, so two scheduled runs never write or prune it at once. It
/// expires on its own: a run that crashes holds the repository only until its lease runs out, never forever.
/// </summary>
public interface IRepositoryLease : IAsyncDisposable
{
    /// <summary>Who holds it (host, process, run), as other runs are told when they are refused.</summary>
    string HolderId { get; }

    /// <summary>When the lease runs out unless renewed.</summary>
    DateTimeOffset ExpiresAt { get; }

    /// <summary>Extends the lease by its duration from now; fails with <see cref="ErrorIds.LeaseLost"/> when another holder has taken it.</summary>
    Task RenewAsync(CancellationToken ct);

    /// <summary>Gives the lease up; does nothing when it was already taken over. Disposing releases too.</summary>
    Task ReleaseAsync(CancellationToken ct);
}

/// <summary>A repository kind that can grant leases (folder, Azure Blob, S3).</summary>
public interface ILeasableRepository
{
    /// <summary>Takes the lease when it is free or expired; otherwise says who holds it and until when. Never waits.</summary>
    Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, CancellationToken ct);

    /// <summary>The same, judging expiry by <paramref name="clock"/> (tests move a clock by hand instead of waiting).</summary>
    Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct);
}

/// <summary>The outcome of one attempt: the lease, or the live holder that refused it.</summary>
public sealed record LeaseAttempt(IRepositoryLease? Lease, string? HeldBy, DateTimeOffset? HeldUntil)
{
    /// <summary>True when the lease was granted.</summary>
    public bool Acquired => Lease is not null;

    /// <summary>The lease was taken.</summary>
    public static LeaseAttempt Granted(IRepositoryLease lease) => new(lease, null, null);

    /// <summary>A live lease of <paramref name="heldBy"/>, lapsing at <paramref name="heldUntil"/> (UTC), refused it.</summary>
    public static LeaseAttempt Refused(string heldBy, DateTimeOffset heldUntil) => new(null, heldBy, heldUntil);
}
