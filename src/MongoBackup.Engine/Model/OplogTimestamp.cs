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
    public int CompareTo(OplogTimestamp other)
    {
        var bySeconds = Seconds.CompareTo(other.Seconds);
        return bySeconds != 0 ? bySeconds : Increment.CompareTo(other.Increment);
    }

    public static bool operator <(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) < 0;
    public static bool operator >(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) > 0;
    public static bool operator <=(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) <= 0;
    public static bool operator >=(OplogTimestamp a, OplogTimestamp b) => a.CompareTo(b) >= 0;

    /// <summary>The wall-clock second this timestamp falls in (UTC).</summary>
    [JsonIgnore]
    public DateTimeOffset WallTime => DateTimeOffset.FromUnixTimeSeconds(Seconds);

    public BsonTimestamp ToBsonTimestamp() => new((int)Seconds, (int)Increment);

    public static OplogTimestamp FromBsonTimestamp(BsonTimestamp timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return new OplogTimestamp((uint)timestamp.Timestamp, (uint)timestamp.Increment);
    }

    public static implicit operator BsonTimestamp(OplogTimestamp timestamp) => timestamp.ToBsonTimestamp();
    public static implicit operator OplogTimestamp(BsonTimestamp timestamp) => FromBsonTimestamp(timestamp);

    public override string ToString() => $"Timestamp({Seconds}, {Increment})";
}
