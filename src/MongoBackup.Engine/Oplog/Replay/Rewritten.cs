using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// What one oplog operation becomes on the target: the entries to send (CRUD entries, batched into applyOps, and
/// commands, each applied alone, in order), and whether it counts as applied although nothing is sent (an index
/// build recorded for after the replay).
/// </summary>
public sealed record Rewritten(IReadOnlyList<BsonDocument> Operations, bool Recorded)
{
    /// <summary>Left out: outside the restore, or a form that changes nothing a restore brings back.</summary>
    public static Rewritten Nothing { get; } = new([], false);

    /// <summary>Taken into the replay's state only (an index to build later).</summary>
    public static Rewritten RecordedOnly { get; } = new([], true);

    /// <summary>One operation to send, counted as applied once it is.</summary>
    public static Rewritten Send(BsonDocument operation) => new([operation], true);

    /// <summary>True when the entry counts as applied: something is sent or recorded.</summary>
    public bool Counts => Recorded || Operations.Count > 0;

    /// <summary>Both, in order.</summary>
    public Rewritten Then(Rewritten next) =>
        next.Operations.Count == 0 && !next.Recorded ? this : new([.. Operations, .. next.Operations], Recorded || next.Recorded);
}

/// <summary>The error for an oplog form a replay cannot apply: it names the form and the entry's timestamp.</summary>
public static class UnreplayableEntry
{
    /// <summary>
    /// An OplogReplayFailed error naming <paramref name="form"/> (what the entry is), the entry's timestamp and
    /// <paramref name="why"/>, and telling the user to restore to a moment before it.
    /// </summary>
    public static MongoBackupException Error(BsonDocument entry, string form, string why)
    {
        var at = entry.GetValue("ts", BsonNull.Value) is BsonTimestamp ts ? OplogTimestamp.FromBsonTimestamp(ts).ToString() : "an unknown timestamp";
        return new MongoBackupException(ErrorIds.OplogReplayFailed,
            $"The oplog entry at {at} is {form}, which a replay cannot apply: {why}. The replay stopped there, after applying " +
            $"the entries before it; restore to a moment before {at} to leave it out.");
    }
}
