using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// Compares BSON numbers (int32, int64, double, decimal128) by value as MongoDB does: NaN is the lowest
/// number and equal to itself, and a long and a double compare exactly (no rounding of the long).
/// </summary>
internal static class NumberOrder
{
    public static int Compare(BsonValue x, BsonValue y)
    {
        var xNaN = IsNaN(x);
        var yNaN = IsNaN(y);
        if (xNaN || yNaN) return xNaN == yNaN ? 0 : xNaN ? -1 : 1;

        if (x.BsonType == BsonType.Decimal128 || y.BsonType == BsonType.Decimal128)
            return CompareWithDecimal(x, y);
        if (x.BsonType == BsonType.Double || y.BsonType == BsonType.Double)
        {
            if (x.BsonType == BsonType.Double && y.BsonType == BsonType.Double) return x.AsDouble == y.AsDouble ? 0 : x.AsDouble < y.AsDouble ? -1 : 1;
            return x.BsonType == BsonType.Double ? CompareDoubleToLong(x.AsDouble, y.ToInt64()) : -CompareDoubleToLong(y.AsDouble, x.ToInt64());
        }
        return x.ToInt64().CompareTo(y.ToInt64());
    }

    public static int HashCode(BsonValue value)
    {
        if (IsNaN(value)) return 0x4E614E;
        var asDouble = value.BsonType switch
        {
            BsonType.Decimal128 => Decimal128.ToDouble(value.AsDecimal128),
            _ => value.ToDouble(),
        };
        if (asDouble == 0) asDouble = 0; // -0.0 equals 0
        return asDouble.GetHashCode();
    }

    public static bool IsNaN(BsonValue v) =>
        (v.BsonType == BsonType.Double && double.IsNaN(v.AsDouble)) ||
        (v.BsonType == BsonType.Decimal128 && Decimal128.IsNaN(v.AsDecimal128));

    private static int CompareDoubleToLong(double d, long l)
    {
        if (d >= 9223372036854775808.0) return 1;
        if (d < -9223372036854775808.0) return -1;
        var asDouble = (double)l;
        if (d < asDouble) return -1;
        if (d > asDouble) return 1;
        // d is integral and within range here; (long)d is exact, so compare as longs to catch rounding of l.
        var truncated = (long)d;
        return truncated.CompareTo(l);
    }

    private static int CompareWithDecimal(BsonValue x, BsonValue y)
    {
        if (x.BsonType == BsonType.Double || y.BsonType == BsonType.Double)
        {
            // A double has no exact decimal128 form in general; compare through double, which is exact
            // for every value both types can represent.
            var dx = x.BsonType == BsonType.Decimal128 ? Decimal128.ToDouble(x.AsDecimal128) : x.ToDouble();
            var dy = y.BsonType == BsonType.Decimal128 ? Decimal128.ToDouble(y.AsDecimal128) : y.ToDouble();
            return dx == dy ? 0 : dx.CompareTo(dy);
        }
        return ToDecimal128(x).CompareTo(ToDecimal128(y));
    }

    private static Decimal128 ToDecimal128(BsonValue v) => v.BsonType switch
    {
        BsonType.Decimal128 => v.AsDecimal128,
        _ => new Decimal128(v.ToInt64()),
    };
}
