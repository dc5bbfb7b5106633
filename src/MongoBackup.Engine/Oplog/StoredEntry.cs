namespace MongoBackup.Engine.Oplog;

/// <summary>
/// The last oplog entry a continuous capture stored: its timestamp and wall time, the SHA-256 of its bytes as read (null for
/// the chain's end the capture began from, of which only the timestamp and wall time are recorded), and the slice that holds it.
/// A member the capture reconnects to must still hold exactly this entry (<see cref="ChainContinuity.RequireResumedAsync"/>).
/// </summary>
internal sealed record StoredEntry(ConsistencyPoint Point, byte[]? Hash, string? SliceId)
{
    /// <summary>The entry's timestamp.</summary>
    public OplogTimestamp Timestamp => Point.Timestamp;
}
