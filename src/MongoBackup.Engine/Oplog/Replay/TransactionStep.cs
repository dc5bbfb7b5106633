using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>What an oplog entry means for the transactions a replay gathers.</summary>
public enum TransactionStepKind
{
    /// <summary>Not part of a transaction: apply it as it comes.</summary>
    NotTransaction,
    /// <summary>Part of a transaction whose outcome comes later: kept, nothing to apply yet.</summary>
    Held,
    /// <summary>A commit: <see cref="TransactionStep.Operations"/> are the whole transaction's writes, to apply now.</summary>
    Committed,
    /// <summary>An abort: the transaction's writes are dropped.</summary>
    Aborted,
}

/// <summary>
/// The outcome of adding one entry: for a commit, the transaction's operations in order (each stamped with the ts,
/// t and wall of the entry that carried it) and how many oplog entries the transaction took, commit included.
/// </summary>
public sealed record TransactionStep(TransactionStepKind Kind, IReadOnlyList<BsonDocument> Operations, int Entries)
{
    /// <summary>An entry outside any transaction: one entry, applied as it comes.</summary>
    public static TransactionStep NotTransaction { get; } = new(TransactionStepKind.NotTransaction, [], 1);
    /// <summary>An entry kept for a transaction not yet decided.</summary>
    public static TransactionStep Held { get; } = new(TransactionStepKind.Held, [], 0);
    /// <summary>An abort: nothing to apply.</summary>
    public static TransactionStep Aborted { get; } = new(TransactionStepKind.Aborted, [], 0);
}

/// <summary>A transaction still open when a replay ended: its commit lies after the range, or it never came.</summary>
public sealed record OpenTransaction(OplogTimestamp FirstEntry, int Entries, bool Prepared);
