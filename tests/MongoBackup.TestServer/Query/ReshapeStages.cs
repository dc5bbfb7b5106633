using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// $set and its alias $addFields: computes fields and keeps every other one. A dotted name or a nested document of
/// fields reaches into embedded documents, and into each element of an array on the way; a scalar met on the way is
/// replaced by a document of the computed fields; an expression evaluating to "missing" ($$REMOVE, an absent field
/// path) drops the field. A field already there keeps its place, new ones follow in the order given.
/// Source: src/mongo/db/exec/add_fields_projection_executor.cpp (parse, parseSubObject) and
/// src/mongo/db/exec/projection_node.cpp (applyToDocument, applyProjectionsToValue).
/// Values come from <see cref="AggregationExpression"/> (so an operator fails as unrecognized, 168).
/// </summary>
internal sealed class AddFieldsStage : IPipelineStage
{
    private readonly FieldTree _root = new();

    public AddFieldsStage(string stageName, BsonValue spec)
    {
        if (spec is not BsonDocument fields)
            throw new CommandFailure(40272, "Location40272", $"{stageName} specification stage must be an object, got {BsonTypeNames.AliasOf(spec)}");
        foreach (var field in fields)
        {
            if (field.Name.StartsWith('$'))
                throw new CommandFailure(16410, "Location16410", $"FieldPath field names may not start with '$'. Consider using $getField or $setField.");
            Add(_root, FieldPath.Parse(field.Name).Parts, field.Value);
        }
    }

    private static void Add(FieldTree tree, string[] path, BsonValue value)
    {
        for (var i = 0; i < path.Length - 1; i++) tree = tree.Child(path[i]);
        var name = path[^1];
        // A non-empty document whose first field is not an operator is more fields, not a value (parseSubObject).
        if (value is BsonDocument { ElementCount: > 0 } nested && !nested.GetElement(0).Name.StartsWith('$'))
        {
            var child = tree.Child(name);
            foreach (var element in nested)
            {
                if (element.Name.Contains('.'))
                    throw new CommandFailure(31250, "Location31250", $"Invalid $addFields :: caused by :: dotted field names are only allowed at the top level: {element.Name}");
                Add(child, [element.Name], element.Value);
            }
            return;
        }
        tree.Compute(name, AggregationExpression.Parse(value));
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) =>
        input.Select(doc => _root.Apply(doc, new ExpressionScope(doc)));

    /// <summary>The fields to compute at one level, and the levels below, in the order they were given.</summary>
    private sealed class FieldTree
    {
        private readonly List<(string Name, AggregationExpression? Value, FieldTree? Below)> _entries = new();

        public FieldTree Child(string name)
        {
            var index = _entries.FindIndex(e => e.Name == name);
            if (index >= 0 && _entries[index].Below is { } existing) return existing;
            if (index >= 0) throw PathCollision(name);
            var created = new FieldTree();
            _entries.Add((name, null, created));
            return created;
        }

        public void Compute(string name, AggregationExpression value)
        {
            if (_entries.Any(e => e.Name == name)) throw PathCollision(name);
            _entries.Add((name, value, null));
        }

        private static CommandFailure PathCollision(string name) =>
            new(31249, "Location31249", $"Invalid $addFields :: caused by :: Path collision at {name}");

        public BsonDocument Apply(BsonDocument doc, ExpressionScope scope)
        {
            var result = new BsonDocument();
            var handled = new HashSet<string>(StringComparer.Ordinal);
            foreach (var element in doc)
            {
                var index = _entries.FindIndex(e => e.Name == element.Name);
                if (index < 0)
                {
                    result.Add(element);
                    continue;
                }
                handled.Add(element.Name);
                var value = Value(_entries[index], element.Value, scope);
                if (value is not null) result.Add(element.Name, value);
            }
            foreach (var entry in _entries)
            {
                if (handled.Contains(entry.Name)) continue;
                var value = Value(entry, null, scope);
                if (value is not null) result.Add(entry.Name, value);
            }
            return result;
        }

        private static BsonValue? Value((string Name, AggregationExpression? Value, FieldTree? Below) entry, BsonValue? existing, ExpressionScope scope) =>
            entry.Value is not null ? entry.Value.Evaluate(scope) : entry.Below!.ApplyToValue(existing, scope);

        private BsonValue ApplyToValue(BsonValue? value, ExpressionScope scope) => value switch
        {
            BsonDocument doc => Apply(doc, scope),
            BsonArray array => new BsonArray(array.Select(e => ApplyToValue(e, scope))),
            // A scalar or a missing field becomes a document of the computed fields only.
            _ => Apply(new BsonDocument(), scope),
        };
    }
}

/// <summary>
/// $unset: an exclusion projection of the named paths (src/mongo/db/pipeline/document_source_project.cpp,
/// createUnset, with its errors 31002, 31119 and 31120).
/// </summary>
internal sealed class UnsetStage : IPipelineStage
{
    private readonly Projection _projection;

    public UnsetStage(BsonValue spec)
    {
        var paths = spec switch
        {
            BsonString single => [single.Value],
            BsonArray { Count: 0 } => throw new CommandFailure(31119, "Location31119", "$unset specification must be a string or an array with at least one field"),
            BsonArray many => many.Select(p => p is BsonString s ? s.Value
                : throw new CommandFailure(31120, "Location31120", "$unset specification must be a string or an array containing only string values")).ToList(),
            _ => throw new CommandFailure(31002, "Location31002", "$unset specification must be a string or an array"),
        };
        var exclusion = new BsonDocument();
        foreach (var path in paths) exclusion[path] = 0;
        _projection = Projection.Parse(exclusion);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Select(_projection.Apply);
}

/// <summary>
/// $replaceRoot {newRoot: expression} and its alias $replaceWith expression: the document becomes the expression's
/// value, which must be a document (src/mongo/db/pipeline/document_source_replace_root.cpp: 40228; the options are
/// checked as an IDL struct, 40414 for a missing newRoot and 40415 for an unknown field).
/// </summary>
internal sealed class ReplaceRootStage : IPipelineStage
{
    private readonly AggregationExpression _newRoot;
    private readonly string _what;

    public ReplaceRootStage(string stageName, BsonValue spec)
    {
        if (stageName == "$replaceWith")
        {
            _newRoot = AggregationExpression.Parse(spec);
            _what = "'replacement document'";
            return;
        }
        if (spec is not BsonDocument options)
            throw new CommandFailure(40229, "Location40229", $"expected an object as specification for $replaceRoot stage, got {BsonTypeNames.AliasOf(spec)}");
        foreach (var name in options.Names)
            if (name != "newRoot") throw new CommandFailure(40415, "Location40415", $"BSON field '$replaceRoot.{name}' is an unknown field.");
        _newRoot = AggregationExpression.Parse(options.GetValue("newRoot", null)
            ?? throw new CommandFailure(40414, "Location40414", "BSON field '$replaceRoot.newRoot' is missing but a required field"));
        _what = "'newRoot' expression";
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Select(doc =>
    {
        var value = _newRoot.Evaluate(doc);
        if (value is BsonDocument replacement) return replacement.DeepClone().AsBsonDocument;
        var shown = value is null ? "MISSING" : value.ToString();
        var type = value is null ? "missing" : BsonTypeNames.AliasOf(value);
        throw new CommandFailure(40228, "Location40228",
            $"{_what} must evaluate to an object, but resulting value was: {shown}. Type of resulting value: '{type}'. Input document: {doc}");
    });
}
