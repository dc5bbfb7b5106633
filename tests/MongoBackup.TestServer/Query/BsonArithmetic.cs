using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// Arithmetic over BSON numbers with MongoDB's type promotion: int32 widens to int64 on overflow,
/// int64 to double on overflow, and anything meeting a double or a decimal128 becomes that type.
/// </summary>
internal static class BsonArithmetic
{
    public static BsonValue Add(BsonValue a, BsonValue b) => Combine(a, b, (x, y) => checked(x + y), (x, y) => x + y, (x, y) => x + y);

    public static BsonValue Multiply(BsonValue a, BsonValue b) => Combine(a, b, (x, y) => checked(x * y), (x, y) => x * y, (x, y) => x * y);

    public static bool IsZero(BsonValue v) => BsonValueOrder.IsNumber(v) && BsonValueOrder.Instance.Compare(v, 0) == 0;

    private static BsonValue Combine(BsonValue a, BsonValue b, Func<long, long, long> inLong, Func<double, double, double> inDouble, Func<decimal, decimal, decimal> inDecimal)
    {
        if (a is BsonDecimal128 || b is BsonDecimal128)
        {
            try { return new BsonDecimal128(new Decimal128(inDecimal(ToDecimal(a), ToDecimal(b)))); }
            catch (OverflowException) { return new BsonDouble(inDouble(a.ToDouble(), b.ToDouble())); }
        }
        if (a is BsonDouble || b is BsonDouble) return new BsonDouble(inDouble(a.ToDouble(), b.ToDouble()));
        try
        {
            return Narrow(inLong(a.ToInt64(), b.ToInt64()), a is BsonInt64 || b is BsonInt64);
        }
        catch (OverflowException)
        {
            return new BsonDouble(inDouble(a.ToDouble(), b.ToDouble()));
        }
    }

    private static BsonValue Narrow(long result, bool wasLong) =>
        !wasLong && result is >= int.MinValue and <= int.MaxValue ? new BsonInt32((int)result) : new BsonInt64(result);

    private static decimal ToDecimal(BsonValue v) => v switch
    {
        BsonDecimal128 d => Decimal128.ToDecimal(d.Value),
        BsonDouble d => (decimal)d.Value,
        _ => v.ToInt64(),
    };
}
