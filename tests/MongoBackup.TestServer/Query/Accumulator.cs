using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>One $group accumulator's running state ($sum, $avg, $min, $max, $first, $last, $push, $addToSet, $count).</summary>
internal abstract class Accumulator
{
    public abstract void Add(BsonValue? value);

    public abstract BsonValue? Result();

    public static Accumulator Create(string name) => name switch
    {
        "$sum" => new SumAccumulator(),
        "$avg" => new AverageAccumulator(),
        "$min" => new ExtremeAccumulator(-1),
        "$max" => new ExtremeAccumulator(1),
        "$first" => new FirstAccumulator(),
        "$last" => new LastAccumulator(),
        "$push" => new PushAccumulator(),
        "$addToSet" => new AddToSetAccumulator(),
        "$count" => new CountAccumulator(),
        _ => throw new CommandFailure(15952, "Location15952", $"unknown group operator '{name}'"),
    };

    public static bool IsKnown(string name) => name is "$sum" or "$avg" or "$min" or "$max" or "$first" or "$last" or "$push" or "$addToSet" or "$count";
}

/// <summary>Sums numbers, ignoring everything else (so $sum of no numbers is 0).</summary>
internal sealed class SumAccumulator : Accumulator
{
    private BsonValue _total = 0;

    public override void Add(BsonValue? value)
    {
        if (value is not null && BsonValueOrder.IsNumber(value)) _total = BsonArithmetic.Add(_total, value);
    }

    public override BsonValue? Result() => _total;
}

internal sealed class CountAccumulator : Accumulator
{
    private int _count;

    public override void Add(BsonValue? value) => _count++;

    public override BsonValue? Result() => _count;
}

/// <summary>Averages the numbers seen; null when there were none.</summary>
internal sealed class AverageAccumulator : Accumulator
{
    private BsonValue _total = 0;
    private int _count;

    public override void Add(BsonValue? value)
    {
        if (value is null || !BsonValueOrder.IsNumber(value)) return;
        _total = BsonArithmetic.Add(_total, value);
        _count++;
    }

    public override BsonValue? Result() => _count == 0
        ? BsonNull.Value
        : _total is BsonDecimal128 ? BsonArithmetic.Divide(_total, _count) : new BsonDouble(_total.ToDouble() / _count);
}

/// <summary>$min/$max in MongoDB's value order, skipping null and missing.</summary>
internal sealed class ExtremeAccumulator(int direction) : Accumulator
{
    private BsonValue? _best;

    public override void Add(BsonValue? value)
    {
        if (ExpressionOperators.IsNullish(value)) return;
        if (_best is null || Math.Sign(BsonValueOrder.Instance.Compare(value!, _best)) == direction) _best = value;
    }

    public override BsonValue? Result() => _best ?? BsonNull.Value;
}

internal sealed class FirstAccumulator : Accumulator
{
    private bool _seen;
    private BsonValue? _first;

    public override void Add(BsonValue? value)
    {
        if (_seen) return;
        _seen = true;
        _first = value;
    }

    public override BsonValue? Result() => _first ?? BsonNull.Value;
}

internal sealed class LastAccumulator : Accumulator
{
    private BsonValue? _last;

    public override void Add(BsonValue? value) => _last = value;

    public override BsonValue? Result() => _last ?? BsonNull.Value;
}

/// <summary>Collects values in arrival order; missing values are not pushed.</summary>
internal sealed class PushAccumulator : Accumulator
{
    private readonly BsonArray _values = [];

    public override void Add(BsonValue? value)
    {
        if (value is not null) _values.Add(value);
    }

    public override BsonValue? Result() => _values;
}

internal sealed class AddToSetAccumulator : Accumulator
{
    private readonly BsonArray _values = [];
    private readonly HashSet<BsonValue> _seen = new(BsonValueOrder.Instance);

    public override void Add(BsonValue? value)
    {
        if (value is not null && _seen.Add(value)) _values.Add(value);
    }

    public override BsonValue? Result() => _values;
}
