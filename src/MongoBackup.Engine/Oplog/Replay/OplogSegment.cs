namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// One stretch of oplog a replay reads, in order: a snapshot's own oplog, then the slices after it. Entries at or
/// before <see cref="After"/> are skipped (a slice may begin before the snapshot's consistency point); the first entry
/// beyond <see cref="Limit"/> ends the segment.
/// </summary>
public sealed record OplogSegment(string Name, IAsyncEnumerable<byte[]> Entries)
{
    /// <summary>Entries at or before this timestamp are skipped; null reads from the first entry.</summary>
    public OplogTimestamp? After { get; init; }
    /// <summary>The first entry beyond this ends the segment; null reads to its end.</summary>
    public OplogLimit? Limit { get; init; }
    /// <summary>
    /// The same entries read again from their start, for a look ahead of the replay (what it will create on the target,
    /// checked before it writes anything): <see cref="Entries"/> may be readable only once. Null when they cannot be.
    /// </summary>
    public Func<IAsyncEnumerable<byte[]>>? Reread { get; init; }
}

/// <summary>
/// What a replay did: the entries it read, the entries applied in each segment (an entry counts once every write it
/// holds reached the target; a transaction's entries count at its commit, in the segment of the commit), the
/// transactions still open at its end (their writes were left out), and the error that stopped it, if one did.
/// </summary>
public sealed record OplogReplayOutcome(long Read, IReadOnlyList<long> AppliedBySegment, IReadOnlyList<OpenTransaction> OpenTransactions, MongoBackupException? Error)
{
    /// <summary>
    /// Committed transactions a transactional target (<see cref="ITransactionalReplayTarget"/>) took as one transaction
    /// each, and those it had to take as separate writes (one that also creates or changes a collection: a command).
    /// </summary>
    public (int Atomic, int AsSeparateWrites) Transactions { get; init; }

    /// <summary>Entries applied in all segments.</summary>
    public long Applied => AppliedBySegment.Sum();
}
