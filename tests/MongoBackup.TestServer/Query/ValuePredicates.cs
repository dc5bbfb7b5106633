using System.Text.RegularExpressions;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A condition on the values a field path reaches. Candidates hold one entry per branch of the path;
/// null stands for "missing".
/// </summary>
internal abstract class ValuePredicate
{
    public abstract bool Matches(IReadOnlyList<BsonValue?> candidates);
}

/// <summary>
/// A condition tested on each reached value and, when that value is an array, on each of its elements
/// (MongoDB's implicit array matching): true if any of them passes.
/// </summary>
internal abstract class ElementPredicate : ValuePredicate
{
    public override bool Matches(IReadOnlyList<BsonValue?> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (Test(candidate)) return true;
            if (candidate is BsonArray array && array.Any(e => Test(e))) return true;
        }
        return false;
    }

    /// <summary>Tests one value; null means the field is missing.</summary>
    public abstract bool Test(BsonValue? value);
}

internal sealed class EqualsPredicate(BsonValue operand, BsonValueOrder order) : ElementPredicate
{
    public override bool Test(BsonValue? value)
    {
        if (operand.IsBsonNull) return value is null || value.IsBsonNull || value.IsBsonUndefined;
        return value is not null && order.Compare(value, operand) == 0;
    }
}

/// <summary>$gt, $gte, $lt, $lte: only values in the operand's type bracket compare.</summary>
internal sealed class RangePredicate(string op, BsonValue operand, BsonValueOrder order) : ElementPredicate
{
    private readonly bool _allowEqual = op is "$gte" or "$lte";
    private readonly int _wantedSign = op is "$gt" or "$gte" ? 1 : -1;

    public override bool Test(BsonValue? value)
    {
        value ??= BsonNull.Value;
        if (operand.BsonType == BsonType.MinKey) return _wantedSign > 0 ? value.BsonType != BsonType.MinKey || _allowEqual : _allowEqual && value.BsonType == BsonType.MinKey;
        if (operand.BsonType == BsonType.MaxKey) return _wantedSign < 0 ? value.BsonType != BsonType.MaxKey || _allowEqual : _allowEqual && value.BsonType == BsonType.MaxKey;
        if (BsonValueOrder.TypeBracket(value) != BsonValueOrder.TypeBracket(operand)) return false;
        if (NumberOrder.IsNaN(value) || NumberOrder.IsNaN(operand)) return _allowEqual && NumberOrder.IsNaN(value) && NumberOrder.IsNaN(operand);
        var sign = Math.Sign(order.Compare(value, operand));
        return sign == _wantedSign || (sign == 0 && _allowEqual);
    }
}

internal sealed class InPredicate : ElementPredicate
{
    private readonly List<ElementPredicate> _alternatives;

    public InPredicate(BsonArray values, BsonValueOrder order) =>
        _alternatives = values.Select(v => v is BsonRegularExpression re ? (ElementPredicate)new RegexPredicate(re) : new EqualsPredicate(v, order)).ToList();

    public override bool Test(BsonValue? value) => _alternatives.Any(a => a.Test(value));
}

internal sealed class RegexPredicate : ElementPredicate
{
    private readonly Regex _regex;
    private readonly BsonRegularExpression _literal;

    public RegexPredicate(BsonRegularExpression literal)
    {
        _literal = literal;
        _regex = Build(literal.Pattern, literal.Options);
    }

    public static Regex Build(string pattern, string options)
    {
        var flags = RegexOptions.CultureInvariant;
        foreach (var flag in options)
        {
            flags |= flag switch
            {
                'i' => RegexOptions.IgnoreCase,
                'm' => RegexOptions.Multiline,
                'x' => RegexOptions.IgnorePatternWhitespace,
                's' => RegexOptions.Singleline,
                'u' => RegexOptions.None,
                _ => throw new CommandFailure(51108, "Location51108", $"invalid flag in regex options: {flag}"),
            };
        }
        try
        {
            return new Regex(pattern, flags);
        }
        catch (ArgumentException e)
        {
            throw new CommandFailure(51091, "Location51091", $"Regular expression is invalid: {e.Message}");
        }
    }

    public override bool Test(BsonValue? value) => value switch
    {
        BsonString s => _regex.IsMatch(s.Value),
        BsonSymbol sym => _regex.IsMatch(sym.Name),
        BsonRegularExpression re => re.Pattern == _literal.Pattern && re.Options == _literal.Options,
        _ => false,
    };
}

internal sealed class TypePredicate : ElementPredicate
{
    private readonly HashSet<BsonType> _types = [];
    private readonly bool _anyNumber;

    public TypePredicate(BsonValue spec)
    {
        var items = spec is BsonArray array ? array.ToList() : [spec];
        if (items.Count == 0) throw CommandFailure.FailedToParse("$type must match at least one type");
        foreach (var item in items)
        {
            if (item is BsonString { Value: "number" }) _anyNumber = true;
            else _types.Add(BsonTypeNames.Parse(item));
        }
    }

    // Arrays are tested whole here as well as element by element, so {$type: "array"} finds array fields.
    public override bool Test(BsonValue? value) =>
        value is not null && (_types.Contains(value.BsonType) || (_anyNumber && BsonValueOrder.IsNumber(value)));
}

internal sealed class ModPredicate : ElementPredicate
{
    private readonly long _divisor;
    private readonly long _remainder;

    public ModPredicate(BsonValue spec)
    {
        if (spec is not BsonArray { Count: 2 } pair)
            throw CommandFailure.BadValue(spec is BsonArray a && a.Count < 2 ? "malformed mod, not enough elements" : spec is BsonArray ? "malformed mod, too many elements" : "malformed mod, needs to be an array");
        if (!BsonValueOrder.IsNumber(pair[0]) || !BsonValueOrder.IsNumber(pair[1]))
            throw CommandFailure.BadValue("malformed mod, divisor and remainder must be numbers");
        _divisor = (long)Math.Truncate(pair[0].ToDouble());
        _remainder = (long)Math.Truncate(pair[1].ToDouble());
        if (_divisor == 0) throw CommandFailure.BadValue("divisor cannot be 0");
    }

    public override bool Test(BsonValue? value)
    {
        if (value is null || !BsonValueOrder.IsNumber(value) || NumberOrder.IsNaN(value)) return false;
        var number = value.BsonType is BsonType.Int32 or BsonType.Int64 ? value.ToInt64() : (long)Math.Truncate(value.ToDouble());
        return number % _divisor == _remainder;
    }
}

/// <summary>$ne, $nin, $not: the document matches when the positive condition does not.</summary>
internal sealed class NotPredicate(ValuePredicate inner) : ValuePredicate
{
    public override bool Matches(IReadOnlyList<BsonValue?> candidates) => !inner.Matches(candidates);
}

internal sealed class AllOfPredicate(IReadOnlyList<ValuePredicate> parts) : ValuePredicate
{
    public IReadOnlyList<ValuePredicate> Parts => parts;

    public override bool Matches(IReadOnlyList<BsonValue?> candidates) => parts.All(p => p.Matches(candidates));
}

internal sealed class ExistsPredicate(bool shouldExist) : ValuePredicate
{
    public override bool Matches(IReadOnlyList<BsonValue?> candidates) => candidates.Any(c => c is not null) == shouldExist;
}

internal sealed class SizePredicate(int size) : ValuePredicate
{
    public override bool Matches(IReadOnlyList<BsonValue?> candidates) => candidates.Any(c => c is BsonArray a && a.Count == size);
}

/// <summary>$all: every listed value (or $elemMatch) must be matched by the field.</summary>
internal sealed class AllPredicate(IReadOnlyList<ValuePredicate> required) : ValuePredicate
{
    public IReadOnlyList<ValuePredicate> Required => required;

    public override bool Matches(IReadOnlyList<BsonValue?> candidates) => required.Count > 0 && required.All(r => r.Matches(candidates));
}

/// <summary>$elemMatch over values ({$gt: 1, $lt: 5}) or over embedded documents (a sub-filter).</summary>
internal sealed class ElemMatchPredicate : ValuePredicate
{
    private readonly ValuePredicate? _valueCondition;
    private readonly MatchNode? _documentCondition;

    public ElemMatchPredicate(ValuePredicate valueCondition) => _valueCondition = valueCondition;
    public ElemMatchPredicate(MatchNode documentCondition) => _documentCondition = documentCondition;

    public override bool Matches(IReadOnlyList<BsonValue?> candidates) =>
        candidates.Any(c => c is BsonArray array && array.Any(MatchesElement));

    public bool MatchesElement(BsonValue element)
    {
        if (_valueCondition is not null) return _valueCondition.Matches([element]);
        return element is BsonDocument doc && _documentCondition!.Matches(doc);
    }
}
