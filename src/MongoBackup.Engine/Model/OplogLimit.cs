using System.Globalization;
using MongoDB.Bson;

namespace MongoBackup.Engine.Model;

/// <summary>
/// Where a replay stops, inclusive: at an exact oplog timestamp (-ClusterTime), or at a wall-clock moment
/// (-PointInTime) read to the millisecond and compared with each entry's millisecond wall time, so that a moment between
/// two writes of the same second keeps the first and not the second, and every entry of the moment's own millisecond is
/// replayed.
/// </summary>
public sealed class OplogLimit
{
    private OplogLimit(OplogTimestamp timestamp, DateTimeOffset? wallTime, string? reading = null)
    {
        Timestamp = timestamp;
        WallTime = wallTime;
        Reading = reading;
    }

    /// <summary>The last timestamp the replay may reach (for a wall time: the end of its second).</summary>
    public OplogTimestamp Timestamp { get; }
    /// <summary>The wall-clock moment for -PointInTime, to the millisecond, in the offset it was given; null for -ClusterTime.</summary>
    public DateTimeOffset? WallTime { get; }

    /// <summary>
    /// How the user's argument was read, as a sentence a refusal starts with so that a time taken in the wrong zone shows
    /// first ("-PointInTime was read as ..."); the refusal then calls it "that moment" instead of naming it again. Null
    /// when the limit was not read from an argument.
    /// </summary>
    public string? Reading { get; }

    /// <summary>An exact limit: every entry with a timestamp at or before <paramref name="timestamp"/> is replayed.</summary>
    public static OplogLimit AtClusterTime(OplogTimestamp timestamp) => new(timestamp, null);

    /// <summary>
    /// A wall-clock limit: the one place a user's moment (-PointInTime) becomes the limit a restore stops at.
    /// <paramref name="moment"/> is read to the millisecond (<see cref="ToMillisecond"/>), as oplog wall times are
    /// millisecond dates, so that the limit compares, shows and is named in errors as the same instant; that whole
    /// millisecond is included. It keeps the offset it was given in, so that messages can show the moments they name in
    /// the user's offset as well as in UTC (<see cref="Show"/>).
    /// </summary>
    /// <param name="moment">The moment, in the offset it was given; finer digits than the millisecond are dropped.</param>
    /// <param name="reading">
    /// How the argument was read (<see cref="Reading"/>), given the moment as the limit holds it (to the millisecond);
    /// null for none.
    /// </param>
    public static OplogLimit AtWallTime(DateTimeOffset moment, Func<DateTimeOffset, string>? reading = null)
    {
        var wall = ToMillisecond(moment);
        return new(new OplogTimestamp((uint)wall.ToUnixTimeSeconds(), uint.MaxValue), wall, reading?.Invoke(wall));
    }

    /// <summary>
    /// <paramref name="moment"/> truncated to its millisecond (toward the past, in its own offset): 14:04:59.7499 is
    /// 14:04:59.749, the millisecond an oplog entry written then carries as its wall time (MongoDB's Date_t counts whole
    /// milliseconds since the epoch).
    /// </summary>
    public static DateTimeOffset ToMillisecond(DateTimeOffset moment) =>
        moment.AddTicks(-(moment.UtcTicks % TimeSpan.TicksPerMillisecond));

    /// <summary>Whether a point (a snapshot's consistency, a slice's end) lies at or before this limit.</summary>
    public bool Reaches(ConsistencyPoint point) =>
        WallTime is { } wall ? point.WallTime <= wall : point.Timestamp <= Timestamp;

    /// <summary>Whether this limit lies at or before a point, so that replaying up to that point can reach it.</summary>
    public bool IsWithin(ConsistencyPoint end) =>
        WallTime is { } wall ? wall <= end.WallTime : Timestamp <= end.Timestamp;

    /// <summary>
    /// Whether a replay to this limit stops by the entry at <paramref name="last"/> (a slice's or snapshot's last entry):
    /// that entry is the limit's last one or already past it, so no entry stored after it is replayed and nothing after it
    /// is needed. For a wall-clock limit an entry of the limit's own millisecond is not past it, so a later slice can
    /// still hold entries of that millisecond: a last entry of exactly that wall time does not stop the replay.
    /// </summary>
    public bool StopsBy(ConsistencyPoint last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return WallTime is { } wall ? wall < last.WallTime || Timestamp < last.Timestamp : Timestamp <= last.Timestamp;
    }

    /// <summary>
    /// True when the oplog <paramref name="entry"/> comes after the limit: its ts is later, or (for a wall-clock limit) its
    /// "wall" time in milliseconds is later. An entry without "wall" (older servers) is judged by its ts second alone.
    /// </summary>
    public bool IsBeyond(BsonDocument entry)
    {
        var ts = OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
        if (ts > Timestamp) return true;
        if (WallTime is not { } wall) return false;
        // Entries older servers wrote without a wall time fall back to their timestamp's second.
        return entry.TryGetValue("wall", out var w) && w.IsValidDateTime
            && DateTimeOffset.FromUnixTimeMilliseconds(w.AsBsonDateTime.MillisecondsSinceEpoch) > wall;
    }

    /// <summary>
    /// An instant as messages about this limit name it: to the millisecond in UTC ("2026-11-30 14:43:53.268Z"), and,
    /// when the limit was given at an offset other than UTC, also at that offset ("(09:43:53.268 -05:00)"), so that a
    /// moment compared with the limit is never shown rounded to a value that contradicts the comparison.
    /// </summary>
    public string Show(DateTimeOffset instant)
    {
        var utc = InUtc(instant);
        if (WallTime is not { Offset: var offset } || offset == TimeSpan.Zero) return utc;
        return string.Create(CultureInfo.InvariantCulture, $"{utc} ({instant.ToOffset(offset):yyyy-MM-dd HH:mm:ss.fff zzz})");
    }

    /// <summary>An instant in UTC to the millisecond, "2026-11-30 14:43:53.268Z", as messages that name moments show them.</summary>
    public static string InUtc(DateTimeOffset instant) =>
        string.Create(CultureInfo.InvariantCulture, $"{instant.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z");

    /// <summary>
    /// The limit as messages name it: the wall time (<see cref="Show"/>) or "Timestamp(seconds, increment)".
    /// </summary>
    public override string ToString() => WallTime is { } wall ? Show(wall) : Timestamp.ToString();
}
