namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Where reading the oplog resumes: just after the last entry saved, or, after a gap, at the oldest entry still
/// there (the server refuses a scan from a position it has already deleted).
/// </summary>
public readonly record struct OplogPosition(OplogTimestamp Timestamp, bool Inclusive)
{
    /// <summary>From the entry after <paramref name="ts"/> (that entry itself was saved).</summary>
    public static OplogPosition After(OplogTimestamp ts) => new(ts, false);
    /// <summary>From the entry at <paramref name="ts"/>, included.</summary>
    public static OplogPosition At(OplogTimestamp ts) => new(ts, true);

    /// <summary>Where to resume from the end of a chain, given the server's oldest entry now.</summary>
    public static OplogPosition Resume(OplogTimestamp chainEnd, OplogGap? gap) => gap is null ? After(chainEnd) : At(gap.To);

    /// <summary>The query operator on "ts" that starts here: "$gte" when inclusive, else "$gt".</summary>
    public string Operator => Inclusive ? "$gte" : "$gt";

    /// <summary>For messages: "from Timestamp(s, i)" (that entry included) or "after Timestamp(s, i)".</summary>
    public override string ToString() => Inclusive ? $"from {Timestamp}" : $"after {Timestamp}";
}
