using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// Compiles aggregation expressions into evaluators: field paths, $$ variables, literals, and documents and arrays of
/// those. Operators are refused when the expression is parsed, as the server refuses an unknown one, not half-way
/// through the data.
/// </summary>
internal static class ExpressionCompiler
{
    public static Func<ExpressionScope, BsonValue?> Compile(BsonValue spec) => spec switch
    {
        BsonString s when s.Value.StartsWith("$$") => CompileVariable(s.Value[2..]),
        BsonString s when s.Value.StartsWith('$') => CompileFieldPath(s.Value[1..]),
        BsonDocument d when d.ElementCount > 0 && d.GetElement(0).Name.StartsWith('$') => CompileOperator(d),
        BsonDocument d => CompileDocument(d),
        BsonArray a => CompileArray(a),
        _ => _ => spec,
    };

    private static Func<ExpressionScope, BsonValue?> CompileVariable(string text)
    {
        var dot = text.IndexOf('.');
        var name = dot < 0 ? text : text[..dot];
        var rest = dot < 0 ? null : text[(dot + 1)..].Split('.');
        return scope =>
        {
            var value = scope.Variable(name);
            return rest is null ? value : Traverse(value, rest, 0);
        };
    }

    private static Func<ExpressionScope, BsonValue?> CompileFieldPath(string path)
    {
        var parts = FieldPath.Parse(path).Parts;
        return scope => Traverse(scope.Current, parts, 0);
    }

    /// <summary>Aggregation's path walk: through arrays it collects the values found in each element.</summary>
    internal static BsonValue? Traverse(BsonValue? value, string[] parts, int index)
    {
        if (index == parts.Length) return value;
        switch (value)
        {
            case BsonDocument doc:
                return doc.TryGetValue(parts[index], out var child) ? Traverse(child, parts, index + 1) : null;
            case BsonArray array:
                var collected = new BsonArray();
                foreach (var element in array)
                {
                    if (element is not (BsonDocument or BsonArray)) continue;
                    var found = Traverse(element, parts, index);
                    if (found is not null) collected.Add(found);
                }
                return collected;
            default:
                return null;
        }
    }

    private static Func<ExpressionScope, BsonValue?> CompileDocument(BsonDocument spec)
    {
        var fields = spec.Elements.Select(e => (e.Name, Eval: Compile(e.Value))).ToList();
        return scope =>
        {
            var result = new BsonDocument();
            foreach (var (name, eval) in fields)
            {
                var value = eval(scope);
                if (value is not null) result[name] = value;
            }
            return result;
        };
    }

    private static Func<ExpressionScope, BsonValue?> CompileArray(BsonArray spec)
    {
        var items = spec.Select(Compile).ToList();
        return scope => new BsonArray(items.Select(i => i(scope) ?? BsonNull.Value));
    }

    /// <summary>
    /// No operator is served (nothing this project sends computes values in a pipeline): each fails when parsed as
    /// MongoDB fails an operator it does not know, 168 InvalidPipelineOperator "Unrecognized expression '$x'"
    /// (src/mongo/db/pipeline/expression.cpp, Expression::parseExpression).
    /// </summary>
    private static Func<ExpressionScope, BsonValue?> CompileOperator(BsonDocument spec)
    {
        if (spec.ElementCount != 1)
            throw new CommandFailure(15983, "Location15983", $"an expression specification must contain exactly one field, the name of the expression. Found {spec.ElementCount} fields in {spec}");
        throw new CommandFailure(168, "InvalidPipelineOperator", $"Unrecognized expression '{spec.GetElement(0).Name}'");
    }
}
