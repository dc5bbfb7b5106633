using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>$let, $map and $filter: the operators that bind variables for a sub-expression.</summary>
internal static class ScopedOperators
{
    public static Func<ExpressionScope, BsonValue?> Compile(string name, BsonValue argument)
    {
        if (argument is not BsonDocument spec) throw CommandFailure.BadValue($"{name} only supports an object as its argument");
        return name switch
        {
            "$let" => CompileLet(spec),
            "$map" => CompileMap(spec),
            _ => CompileFilter(spec),
        };
    }

    private static Func<ExpressionScope, BsonValue?> CompileLet(BsonDocument spec)
    {
        if (spec.GetValue("vars", null) is not BsonDocument vars || !spec.Contains("in")) throw CommandFailure.BadValue("$let requires 'vars' and 'in'");
        var bindings = vars.Elements.Select(e => (e.Name, Eval: ExpressionCompiler.Compile(e.Value))).ToList();
        var body = ExpressionCompiler.Compile(spec["in"]);
        return scope =>
        {
            var inner = scope;
            foreach (var (name, eval) in bindings) inner = inner.With(name, eval(scope));
            return body(inner);
        };
    }

    private static Func<ExpressionScope, BsonValue?> CompileMap(BsonDocument spec)
    {
        if (!spec.Contains("input") || !spec.Contains("in")) throw CommandFailure.BadValue("$map requires 'input' and 'in'");
        var input = ExpressionCompiler.Compile(spec["input"]);
        var variable = spec.GetValue("as", "this").AsString;
        var body = ExpressionCompiler.Compile(spec["in"]);
        return scope => input(scope) switch
        {
            BsonArray array => new BsonArray(array.Select(e => body(scope.With(variable, e)) ?? BsonNull.Value)),
            var v when ExpressionOperators.IsNullish(v) => BsonNull.Value,
            _ => throw new CommandFailure(16883, "Location16883", "input to $map must be an array"),
        };
    }

    private static Func<ExpressionScope, BsonValue?> CompileFilter(BsonDocument spec)
    {
        if (!spec.Contains("input") || !spec.Contains("cond")) throw CommandFailure.BadValue("$filter requires 'input' and 'cond'");
        var input = ExpressionCompiler.Compile(spec["input"]);
        var variable = spec.GetValue("as", "this").AsString;
        var condition = ExpressionCompiler.Compile(spec["cond"]);
        return scope => input(scope) switch
        {
            BsonArray array => new BsonArray(array.Where(e => AggregationExpression.IsTruthy(condition(scope.With(variable, e))))),
            var v when ExpressionOperators.IsNullish(v) => BsonNull.Value,
            _ => throw new CommandFailure(28651, "Location28651", "input to $filter must be an array"),
        };
    }
}
