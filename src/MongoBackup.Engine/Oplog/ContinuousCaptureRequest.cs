namespace MongoBackup.Engine.Oplog;

/// <summary>Backup-MongoOplog -Continuous: tail the oplog and close a slice every interval or size.</summary>
public sealed record ContinuousCaptureRequest
{
    /// <summary>The server, repository, compression, encryption and tags each slice is written with.</summary>
    public required OplogSliceRequest Slice { get; init; }
    /// <summary>Close a slice once it has been open this long (10 minutes by default), whatever its size.</summary>
    public TimeSpan SliceInterval { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Close a slice once its stored entries reach this many bytes (before compression).</summary>
    public long SliceSizeBytes { get; init; } = 256L * 1024 * 1024;
    /// <summary>Stop after this long; null runs until cancelled.</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>How long to wait between attempts after the connection is lost.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// How long a lost connection is waited out (10 minutes by default): past it, the capture closes and keeps the slice it
    /// had open and stops with ServerUnreachable.
    /// </summary>
    public TimeSpan ReconnectTimeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// How often the member's majority commit point is asked again while the capture waits for it to reach an entry it read
    /// (one second by default): nothing after the point is stored (<see cref="MajorityCommitPoint"/>).
    /// </summary>
    public TimeSpan CommitPointPollInterval { get; init; } = TimeSpan.FromSeconds(1);
}
