using System.Text;
using MongoDB.Bson;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// MongoDB's order of shard key values (BSONObj::woCompare without field names, bsonelement.cpp compareElements): first
/// by the canonical rank of the type (MinKey, null, numbers, strings, objects, arrays, binary, ObjectId, bool, date,
/// timestamp, regex, ..., MaxKey), then numbers by value across int, long, double and decimal, strings by their UTF-8
/// bytes, ObjectIds by their bytes; other types as the driver orders them.
/// </summary>
internal static class ShardKeyOrder
{
    public static int Compare(BsonValue[] x, BsonValue[] y)
    {
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var order = Compare(x[i], y[i]);
            if (order != 0) return order;
        }
        return x.Length.CompareTo(y.Length);
    }

    public static int Compare(BsonValue x, BsonValue y)
    {
        var rank = Rank(x).CompareTo(Rank(y));
        if (rank != 0) return rank;
        return x switch
        {
            _ when x.IsNumeric => x.BsonType is BsonType.Decimal128 || y.BsonType is BsonType.Decimal128
                ? x.ToDecimal128().CompareTo(y.ToDecimal128())
                : x.BsonType is BsonType.Double || y.BsonType is BsonType.Double ? CompareDoubles(x.ToDouble(), y.ToDouble()) : x.ToInt64().CompareTo(y.ToInt64()),
            BsonString or BsonSymbol => Utf8(x).AsSpan().SequenceCompareTo(Utf8(y)),
            BsonObjectId => x.AsObjectId.ToByteArray().AsSpan().SequenceCompareTo(y.AsObjectId.ToByteArray()),
            BsonMinKey or BsonMaxKey or BsonNull or BsonUndefined => 0,
            _ => x.CompareTo(y),
        };
    }

    /// <summary>NaN sorts below every other number, as MongoDB orders it.</summary>
    private static int CompareDoubles(double x, double y) =>
        double.IsNaN(x) ? (double.IsNaN(y) ? 0 : -1) : double.IsNaN(y) ? 1 : x.CompareTo(y);

    private static byte[] Utf8(BsonValue value) => Encoding.UTF8.GetBytes(value is BsonSymbol s ? s.Name : value.AsString);

    private static int Rank(BsonValue value) => value.BsonType switch
    {
        BsonType.MinKey => -1,
        BsonType.Undefined => 0,
        BsonType.Null => 5,
        BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128 => 10,
        BsonType.String or BsonType.Symbol => 15,
        BsonType.Document => 20,
        BsonType.Array => 25,
        BsonType.Binary => 30,
        BsonType.ObjectId => 35,
        BsonType.Boolean => 40,
        BsonType.DateTime => 45,
        BsonType.Timestamp => 47,
        BsonType.RegularExpression => 50,
        BsonType.JavaScript => 60,
        BsonType.JavaScriptWithScope => 65,
        BsonType.MaxKey => 127,
        _ => 100,
    };

    /// <summary>canonicalizeBSONType (bsontypes.h): the rank <see cref="ShardKeyHash"/> hashes too.</summary>
    public static int CanonicalType(BsonValue value) => Rank(value);
}
