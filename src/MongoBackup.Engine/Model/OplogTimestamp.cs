using System.Text.Json.Serialization;
using MongoDB.Bson;

namespace MongoBackup.Engine.Model;

/// <summary>
/// An oplog position (the BSON Timestamp of an entry): seconds since the epoch and an increment that
/// orders entries within a second. Serialised in manifests as {"t": seconds, "i": increment}.
/// </summary>
public readonly record struct OplogTimestamp(
    [property: JsonPropertyName("t")] uint Seconds,
    [property: JsonPropertyName("i")] uint Increment) : IComparable<OplogTimestamp>
{
    /// <summary>Oplog order: by seconds, then by increment.</summary>
    public int CompareTo(OplogTimestamp other)
    {
        var bySeconds = Seconds.CompareTo(other.Seconds);
        return bySeconds != 0 ? bySeconds : Increment.CompareTo(other.Increment);
    }

    /// <summary>True when <paramref name="a"/> comes before <paramref name="b"/> in the oplog.</summary>
    public static bool operator <(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) < 0;
    /// <summary>True when <paramref name="a"/> comes after <paramref name="b"/> in the oplog.</summary>
    public static bool operator >(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) > 0;
    /// <summary>True when <paramref name="a"/> is <paramref name="b"/> or comes before it.</summary>
    public static bool operator <=(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) <= 0;
    /// <summary>True when <paramref name="a"/> is <paramref name="b"/> or comes after it.</summary>
    public static bool operator >=(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) >= 0;

    /// <summary>The wall-clock second this timestamp falls in (UTC).</summary>
    [JsonIgnore]
    public DateTimeOffset WallTime => DateTimeOffset.FromUnixTimeSeconds(Seconds);

    /// <summary>The BSON Timestamp (the "ts" of an oplog entry) with the same seconds and increment.</summary>
    public BsonTimestamp ToBsonTimestamp() => new((int)Seconds, (int)Increment);

    /// <summary>
    /// The position of a BSON Timestamp (an entry's "ts"); both halves are unsigned 32-bit as MongoDB stores them.
    /// </summary>
    public static OplogTimestamp FromBsonTimestamp(BsonTimestamp timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return new OplogTimestamp((uint)timestamp.Timestamp, (uint)timestamp.Increment);
    }

    /// <summary>See <see cref="ToBsonTimestamp"/>.</summary>
    public static implicit operator BsonTimestamp(OplogTimestamp timestamp) => timestamp.ToBsonTimestamp();
    /// <summary>See <see cref="FromBsonTimestamp"/>.</summary>
    public static implicit operator OplogTimestamp(BsonTimestamp timestamp) => FromBsonTimestamp(timestamp);

    /// <summary>
    /// "Timestamp(seconds, increment)", as the mongo shell shows it, so users can paste it into -ClusterTime.
    /// </summary>
    public override string ToString() => $"Timestamp({Seconds}, {Increment})";
}
