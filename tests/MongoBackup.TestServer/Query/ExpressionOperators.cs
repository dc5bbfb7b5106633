using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>The plain (argument-list) aggregation operators: arithmetic, comparison, logic, strings, arrays.</summary>
internal static class ExpressionOperators
{
    private delegate BsonValue? Operator(List<BsonValue?> args);

    private static readonly Dictionary<string, (int Min, int Max, Operator Run)> Table = new(StringComparer.Ordinal)
    {
        ["$add"] = (0, int.MaxValue, Add),
        ["$subtract"] = (2, 2, a => Numeric("$subtract", a, BsonArithmetic.Subtract)),
        ["$multiply"] = (0, int.MaxValue, a => a.Any(IsNullish) ? BsonNull.Value : a.Aggregate((BsonValue?)1, (x, y) => BsonArithmetic.Multiply(x!, RequireNumber("$multiply", y)))),
        ["$divide"] = (2, 2, a => Numeric("$divide", a, BsonArithmetic.Divide)),
        ["$mod"] = (2, 2, a => Numeric("$mod", a, BsonArithmetic.Modulo)),
        ["$abs"] = (1, 1, a => IsNullish(a[0]) ? BsonNull.Value : BsonValueOrder.Instance.Compare(RequireNumber("$abs", a[0]), 0) < 0 ? BsonArithmetic.Multiply(a[0]!, -1) : a[0]),
        ["$eq"] = (2, 2, a => Cmp(a) == 0),
        ["$ne"] = (2, 2, a => Cmp(a) != 0),
        ["$gt"] = (2, 2, a => Cmp(a) > 0),
        ["$gte"] = (2, 2, a => Cmp(a) >= 0),
        ["$lt"] = (2, 2, a => Cmp(a) < 0),
        ["$lte"] = (2, 2, a => Cmp(a) <= 0),
        ["$cmp"] = (2, 2, a => Math.Sign(Cmp(a))),
        ["$and"] = (0, int.MaxValue, a => a.All(AggregationExpression.IsTruthy)),
        ["$or"] = (0, int.MaxValue, a => a.Any(AggregationExpression.IsTruthy)),
        ["$not"] = (1, 1, a => !AggregationExpression.IsTruthy(a[0])),
        ["$ifNull"] = (2, int.MaxValue, a => a.Take(a.Count - 1).FirstOrDefault(v => !IsNullish(v)) ?? a[^1]),
        ["$concat"] = (0, int.MaxValue, Concat),
        ["$toLower"] = (1, 1, a => IsNullish(a[0]) ? "" : ToText(a[0]!).ToLowerInvariant()),
        ["$toUpper"] = (1, 1, a => IsNullish(a[0]) ? "" : ToText(a[0]!).ToUpperInvariant()),
        ["$toString"] = (1, 1, a => IsNullish(a[0]) ? BsonNull.Value : ToText(a[0]!)),
        ["$type"] = (1, 1, a => BsonTypeNames.AliasOf(a[0])),
        ["$isArray"] = (1, 1, a => a[0] is BsonArray),
        ["$size"] = (1, 1, a => a[0] is BsonArray array ? array.Count : throw new CommandFailure(17124, "Location17124", $"The argument to $size must be an array. Type of argument: {BsonTypeNames.AliasOf(a[0])}")),
        ["$arrayElemAt"] = (2, 2, ArrayElemAt),
        ["$first"] = (1, 1, a => a[0] is BsonArray array ? (array.Count > 0 ? array[0] : null) : IsNullish(a[0]) ? BsonNull.Value : throw CommandFailure.BadValue("$first's argument must be an array")),
        ["$last"] = (1, 1, a => a[0] is BsonArray array ? (array.Count > 0 ? array[^1] : null) : IsNullish(a[0]) ? BsonNull.Value : throw CommandFailure.BadValue("$last's argument must be an array")),
        ["$in"] = (2, 2, a => a[1] is BsonArray array ? array.Contains(a[0] ?? BsonNull.Value, BsonValueOrder.Instance) : throw new CommandFailure(40081, "Location40081", "$in requires an array as a second argument")),
        ["$concatArrays"] = (0, int.MaxValue, a => a.Any(IsNullish) ? BsonNull.Value : new BsonArray(a.SelectMany(v => v as BsonArray ?? throw new CommandFailure(28664, "Location28664", "$concatArrays only supports arrays")))),
        ["$sum"] = (1, int.MaxValue, a => Accumulate(a, Accumulator.Create("$sum"))),
        ["$avg"] = (1, int.MaxValue, a => Accumulate(a, Accumulator.Create("$avg"))),
        ["$min"] = (1, int.MaxValue, a => Accumulate(a, Accumulator.Create("$min"))),
        ["$max"] = (1, int.MaxValue, a => Accumulate(a, Accumulator.Create("$max"))),
        ["$toInt"] = (1, 1, a => IsNullish(a[0]) ? BsonNull.Value : new BsonInt32(checked((int)a[0]!.ToDouble()))),
        ["$toLong"] = (1, 1, a => IsNullish(a[0]) ? BsonNull.Value : new BsonInt64(checked((long)a[0]!.ToDouble()))),
        ["$toDouble"] = (1, 1, a => IsNullish(a[0]) ? BsonNull.Value : new BsonDouble(a[0]!.ToDouble())),
        ["$objectToArray"] = (1, 1, a => a[0] is BsonDocument d ? new BsonArray(d.Elements.Select(e => new BsonDocument { { "k", e.Name }, { "v", e.Value } })) : BsonNull.Value),
        ["$mergeObjects"] = (0, int.MaxValue, MergeObjects),
        ["$slice"] = (2, 3, Slice),
        ["$reverseArray"] = (1, 1, a => IsNullish(a[0]) ? BsonNull.Value : a[0] is BsonArray array ? new BsonArray(array.Reverse()) : throw new CommandFailure(34435, "Location34435", $"The argument to $reverseArray must be an array, but was of type: {BsonTypeNames.AliasOf(a[0])}")),
        ["$bsonSize"] = (1, 1, SizeOperators.BsonSize),
        ["$strLenBytes"] = (1, 1, SizeOperators.StrLenBytes),
        ["$strLenCP"] = (1, 1, a => a[0] is BsonString s ? s.Value.EnumerateRunes().Count() : throw new CommandFailure(34471, "Location34471", $"$strLenCP requires a string argument, found: {BsonTypeNames.AliasOf(a[0])}")),
    };

    public static Func<List<BsonValue?>, BsonValue?> Find(string name, int argumentCount)
    {
        if (!Table.TryGetValue(name, out var entry))
            throw new CommandFailure(168, "InvalidPipelineOperator", $"Unrecognized expression '{name}'");
        if (argumentCount < entry.Min || argumentCount > entry.Max)
            throw new CommandFailure(16020, "Location16020", $"Expression {name} takes {(entry.Min == entry.Max ? $"exactly {entry.Min}" : $"at least {entry.Min}")} arguments. {argumentCount} were passed in.");
        return args => entry.Run(args);
    }

    public static bool IsNullish(BsonValue? v) => v is null || v.IsBsonNull || v.IsBsonUndefined;

    // In expressions a missing value is not null: it sorts with MinKey, below null.
    private static int Cmp(List<BsonValue?> a) => BsonValueOrder.Instance.Compare(a[0] ?? BsonMinKey.Value, a[1] ?? BsonMinKey.Value);

    private static BsonValue RequireNumber(string op, BsonValue? v) =>
        v is not null && BsonValueOrder.IsNumber(v) ? v : throw new CommandFailure(16554, "TypeMismatch", $"{op} only supports numeric types, not {BsonTypeNames.AliasOf(v)}");

    private static BsonValue? Numeric(string op, List<BsonValue?> a, Func<BsonValue, BsonValue, BsonValue> f)
    {
        if (a.Any(IsNullish)) return BsonNull.Value;
        if (op == "$subtract" && a[0] is BsonDateTime date)
        {
            if (a[1] is BsonDateTime other) return new BsonInt64(date.MillisecondsSinceEpoch - other.MillisecondsSinceEpoch);
            return new BsonDateTime(date.MillisecondsSinceEpoch - RequireNumber(op, a[1]).ToInt64());
        }
        return f(RequireNumber(op, a[0]), RequireNumber(op, a[1]));
    }

    private static BsonValue? Add(List<BsonValue?> a)
    {
        if (a.Any(IsNullish)) return BsonNull.Value;
        BsonValue total = 0;
        long? dateMillis = null;
        foreach (var v in a)
        {
            if (v is BsonDateTime d)
            {
                if (dateMillis is not null) throw new CommandFailure(16612, "Location16612", "only one date allowed in an $add expression");
                dateMillis = d.MillisecondsSinceEpoch;
            }
            else total = BsonArithmetic.Add(total, RequireNumber("$add", v));
        }
        return dateMillis is null ? total : new BsonDateTime(dateMillis.Value + (long)Math.Round(total.ToDouble()));
    }

    private static BsonValue? Concat(List<BsonValue?> a)
    {
        if (a.Any(IsNullish)) return BsonNull.Value;
        return string.Concat(a.Select(v => v is BsonString s ? s.Value : throw new CommandFailure(16702, "Location16702", $"$concat only supports strings, not {BsonTypeNames.AliasOf(v)}")));
    }

    private static string ToText(BsonValue v) => v switch
    {
        BsonString s => s.Value,
        BsonObjectId id => id.Value.ToString(),
        BsonDateTime d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
        _ when BsonValueOrder.IsNumber(v) => v.ToString()!,
        BsonBoolean b => b.Value ? "true" : "false",
        _ => throw new CommandFailure(16007, "Location16007", $"can't convert from BSON type {BsonTypeNames.AliasOf(v)} to String"),
    };

    private static BsonValue? ArrayElemAt(List<BsonValue?> a)
    {
        if (IsNullish(a[0]) || IsNullish(a[1])) return BsonNull.Value;
        if (a[0] is not BsonArray array) throw new CommandFailure(28689, "Location28689", "$arrayElemAt's first argument must be an array");
        if (!BsonValueOrder.IsNumber(a[1]!)) throw new CommandFailure(28690, "Location28690", "$arrayElemAt's second argument must be a numeric value");
        var index = (int)a[1]!.ToInt64();
        if (index < 0) index += array.Count;
        return index >= 0 && index < array.Count ? array[index] : null;
    }

    // With one argument that is an array, $sum/$avg/$min/$max reduce the array; otherwise the arguments.
    private static BsonValue? Accumulate(List<BsonValue?> a, Accumulator accumulator)
    {
        var values = a.Count == 1 && a[0] is BsonArray array ? array.Select(v => (BsonValue?)v) : a;
        foreach (var v in values) accumulator.Add(v);
        return accumulator.Result();
    }

    // {$slice: [array, n]} takes n from the front (or -n from the back); {$slice: [array, position, n]} skips first.
    private static BsonValue? Slice(List<BsonValue?> a)
    {
        if (a.Any(IsNullish)) return BsonNull.Value;
        if (a[0] is not BsonArray array) throw new CommandFailure(28724, "Location28724", $"First argument to $slice must be an array, but is of type: {BsonTypeNames.AliasOf(a[0])}");
        if (a.Skip(1).Any(v => !BsonValueOrder.IsNumber(v!))) throw new CommandFailure(28725, "Location28725", "Second and third arguments to $slice must be numeric values");
        int start, count;
        if (a.Count == 2)
        {
            var n = (int)a[1]!.ToInt64();
            (start, count) = n >= 0 ? (0, n) : (Math.Max(0, array.Count + n), -n);
        }
        else
        {
            var position = (int)a[1]!.ToInt64();
            count = (int)a[2]!.ToInt64();
            if (count <= 0) throw new CommandFailure(28729, "Location28729", $"Third argument to $slice must be positive: {count}");
            start = position >= 0 ? Math.Min(position, array.Count) : Math.Max(0, array.Count + position);
        }
        return new BsonArray(array.Skip(start).Take(count));
    }

    private static BsonValue? MergeObjects(List<BsonValue?> a)
    {
        var result = new BsonDocument();
        foreach (var v in a)
        {
            if (IsNullish(v)) continue;
            if (v is not BsonDocument d) throw new CommandFailure(40400, "Location40400", $"$mergeObjects requires object inputs, but input is of type {BsonTypeNames.AliasOf(v)}");
            foreach (var e in d) result[e.Name] = e.Value;
        }
        return result;
    }
}
