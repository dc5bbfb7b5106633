using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A parsed aggregation expression ("$field.path", "$$ROOT", literals, {$op: args}, documents and arrays of
/// expressions), evaluated against one document. Evaluation yields null for "missing".
/// </summary>
public sealed class AggregationExpression
{
    private readonly Func<ExpressionScope, BsonValue?> _evaluate;

    private AggregationExpression(Func<ExpressionScope, BsonValue?> evaluate) => _evaluate = evaluate;

    public static AggregationExpression Parse(BsonValue spec) => new(ExpressionCompiler.Compile(spec));

    /// <summary>The value for this document; null when the expression evaluates to "missing".</summary>
    public BsonValue? Evaluate(BsonDocument document) => _evaluate(new ExpressionScope(document));

    internal BsonValue? Evaluate(ExpressionScope scope) => _evaluate(scope);

    /// <summary>Aggregation truthiness: false, null, undefined, missing and numeric zero are false.</summary>
    public static bool IsTruthy(BsonValue? value) => value switch
    {
        null => false,
        BsonBoolean b => b.Value,
        BsonNull or BsonUndefined => false,
        _ when BsonValueOrder.IsNumber(value) => !BsonArithmetic.IsZero(value),
        _ => true,
    };
}

/// <summary>The variables an expression sees: $$ROOT, $$CURRENT and any bound by $let/$map/$filter.</summary>
internal sealed class ExpressionScope
{
    private readonly Dictionary<string, BsonValue?> _variables = new(StringComparer.Ordinal);

    public ExpressionScope(BsonDocument root)
    {
        Root = root;
        _variables["ROOT"] = root;
        _variables["CURRENT"] = root;
    }

    private ExpressionScope(ExpressionScope parent)
    {
        Root = parent.Root;
        foreach (var pair in parent._variables) _variables[pair.Key] = pair.Value;
    }

    public BsonDocument Root { get; }

    public BsonDocument Current => _variables["CURRENT"] as BsonDocument ?? Root;

    public ExpressionScope With(string name, BsonValue? value)
    {
        var scope = new ExpressionScope(this);
        scope._variables[name] = value;
        return scope;
    }

    public BsonValue? Variable(string name)
    {
        if (name == "REMOVE") return null;
        if (name == "NOW") return new BsonDateTime(DateTime.UtcNow);
        if (_variables.TryGetValue(name, out var value)) return value;
        throw new CommandFailure(17276, "Location17276", $"Use of undefined variable: {name}");
    }
}
