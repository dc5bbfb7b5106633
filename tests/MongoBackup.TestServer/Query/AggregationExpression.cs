using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A parsed aggregation expression ("$field.path", "$$ROOT", literals, documents and arrays of expressions; no
/// operators, see <see cref="ExpressionCompiler"/>), evaluated against one document. Evaluation yields null for "missing".
/// </summary>
public sealed class AggregationExpression
{
    private readonly Func<ExpressionScope, BsonValue?> _evaluate;

    private AggregationExpression(Func<ExpressionScope, BsonValue?> evaluate) => _evaluate = evaluate;

    public static AggregationExpression Parse(BsonValue spec) => new(ExpressionCompiler.Compile(spec));

    /// <summary>The value for this document; null when the expression evaluates to "missing".</summary>
    public BsonValue? Evaluate(BsonDocument document) => _evaluate(new ExpressionScope(document));

    internal BsonValue? Evaluate(ExpressionScope scope) => _evaluate(scope);
}

/// <summary>The variables an expression sees: $$ROOT, $$CURRENT, $$REMOVE and $$NOW.</summary>
internal sealed class ExpressionScope
{
    private readonly Dictionary<string, BsonValue?> _variables = new(StringComparer.Ordinal);

    public ExpressionScope(BsonDocument root)
    {
        Root = root;
        _variables["ROOT"] = root;
        _variables["CURRENT"] = root;
    }

    public BsonDocument Root { get; }

    public BsonDocument Current => _variables["CURRENT"] as BsonDocument ?? Root;

    public BsonValue? Variable(string name)
    {
        if (name == "REMOVE") return null;
        if (name == "NOW") return new BsonDateTime(DateTime.UtcNow);
        if (_variables.TryGetValue(name, out var value)) return value;
        throw new CommandFailure(17276, "Location17276", $"Use of undefined variable: {name}");
    }
}
