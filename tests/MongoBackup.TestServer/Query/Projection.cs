using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A projection (find's "projection", aggregation's $project): inclusion or exclusion of (dotted) fields,
/// _id included unless excluded, computed fields, and find's $slice and $elemMatch operators.
/// </summary>
public sealed class Projection
{
    private readonly ProjectionTree _tree;
    private readonly bool _inclusion;
    private readonly bool _excludeId;

    private Projection(ProjectionTree tree, bool inclusion, bool excludeId)
    {
        _tree = tree;
        _inclusion = inclusion;
        _excludeId = excludeId;
    }

    /// <summary>True when the projection changes nothing (the empty projection).</summary>
    public bool IsIdentity => !_inclusion && !_excludeId && _tree.IsEmpty;

    public static Projection Parse(BsonDocument spec)
    {
        var tree = new ProjectionTree();
        bool? excludeId = null;
        string? firstInclusion = null, firstExclusion = null;
        foreach (var element in spec)
        {
            if (element.Name.Split('.').Contains("$"))
                throw CommandFailure.BadValue($"positional projection '{element.Name}' is not supported by this test server; use $elemMatch");
            var leaf = ProjectionLeaf.Parse(element.Name, element.Value);
            if (element.Name == "_id" && leaf.Kind is ProjectionKind.Include or ProjectionKind.Exclude)
            {
                excludeId = leaf.Kind == ProjectionKind.Exclude;
                continue;
            }
            tree.Add(element.Name, element.Value, leaf, ref firstInclusion, ref firstExclusion);
        }
        if (firstInclusion is not null && firstExclusion is not null)
        {
            throw spec.Names.ToList().IndexOf(firstInclusion.Split('.')[0]) < spec.Names.ToList().IndexOf(firstExclusion.Split('.')[0])
                ? new CommandFailure(31254, "Location31254", $"Cannot do exclusion on field {firstExclusion} in inclusion projection")
                : new CommandFailure(31253, "Location31253", $"Cannot do inclusion on field {firstInclusion} in exclusion projection");
        }
        var inclusion = firstInclusion is not null || (excludeId == false && firstExclusion is null && tree.IsEmpty);
        return new Projection(tree, inclusion, excludeId ?? false);
    }

    /// <summary>The projected copy of the document (the input is not changed).</summary>
    public BsonDocument Apply(BsonDocument doc)
    {
        var scope = new ExpressionScope(doc);
        var result = _inclusion ? _tree.Include(doc, scope) : _tree.Exclude(doc, scope);
        if (_excludeId) result.Remove("_id");
        else if (_inclusion && doc.TryGetValue("_id", out var id) && !result.Contains("_id")) result.InsertAt(0, new BsonElement("_id", id));
        else if (_inclusion && result.IndexOfName("_id") > 0)
        {
            // A computed _id still leads the output document.
            var computedId = result["_id"];
            result.Remove("_id");
            result.InsertAt(0, new BsonElement("_id", computedId));
        }
        return result;
    }
}

internal enum ProjectionKind { Include, Exclude, Computed, Slice, ElemMatch, Nested }

/// <summary>What one projection entry asks for one field.</summary>
internal sealed class ProjectionLeaf
{
    public ProjectionKind Kind { get; private init; }
    public AggregationExpression? Expression { get; private init; }
    public int Skip { get; private init; }
    public int? Limit { get; private init; }
    public ValuePredicate? ElementCondition { get; private init; }

    public static ProjectionLeaf Parse(string name, BsonValue value)
    {
        if (value is BsonBoolean b) return new() { Kind = b.Value ? ProjectionKind.Include : ProjectionKind.Exclude };
        if (BsonValueOrder.IsNumber(value)) return new() { Kind = BsonArithmetic.IsZero(value) ? ProjectionKind.Exclude : ProjectionKind.Include };
        if (value is BsonDocument { ElementCount: 1 } d && d.GetElement(0).Name == "$slice" && IsFindSlice(d[0])) return ParseSlice(d[0]);
        if (value is BsonDocument { ElementCount: 1 } e && e.GetElement(0).Name == "$elemMatch")
        {
            if (name.Contains('.')) throw CommandFailure.BadValue("Cannot use $elemMatch projection on a nested field.");
            return new() { Kind = ProjectionKind.ElemMatch, ElementCondition = FilterParser.ParseOperators(new BsonDocument("$elemMatch", e[0])) };
        }
        if (value is BsonDocument { ElementCount: > 0 } nested && !nested.GetElement(0).Name.StartsWith('$')) return new() { Kind = ProjectionKind.Nested };
        if (value is BsonDocument { ElementCount: 0 }) throw CommandFailure.BadValue($"An empty sub-projection is not a valid value. Found empty object at path {name}");
        return new() { Kind = ProjectionKind.Computed, Expression = AggregationExpression.Parse(value) };
    }

    // find's {$slice: n} or {$slice: [skip, limit]}; anything else is aggregation's $slice expression.
    private static bool IsFindSlice(BsonValue v) =>
        BsonValueOrder.IsNumber(v) || (v is BsonArray { Count: 2 } a && BsonValueOrder.IsNumber(a[0]) && BsonValueOrder.IsNumber(a[1]));

    private static ProjectionLeaf ParseSlice(BsonValue v)
    {
        if (v is BsonArray pair)
        {
            var limit = pair[1].ToInt32();
            if (limit <= 0) throw new CommandFailure(28724, "Location28724", "Second argument to $slice must be positive");
            return new() { Kind = ProjectionKind.Slice, Skip = pair[0].ToInt32(), Limit = limit };
        }
        var n = v.ToInt32();
        return n >= 0 ? new() { Kind = ProjectionKind.Slice, Skip = 0, Limit = n } : new() { Kind = ProjectionKind.Slice, Skip = n, Limit = null };
    }

    public BsonValue Slice(BsonArray array)
    {
        var start = Skip < 0 ? Math.Max(0, array.Count + Skip) : Math.Min(Skip, array.Count);
        var count = Math.Min(Limit ?? array.Count, array.Count - start);
        return new BsonArray(array.Skip(start).Take(count));
    }
}

/// <summary>The projection's fields as a tree of path components, each node a leaf or a subtree.</summary>
internal sealed class ProjectionTree
{
    private readonly Dictionary<string, ProjectionLeaf> _leaves = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectionTree> _children = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public bool IsEmpty => _order.Count == 0;

    public void Add(string path, BsonValue value, ProjectionLeaf leaf, ref string? firstInclusion, ref string? firstExclusion)
    {
        var dot = path.IndexOf('.');
        if (dot >= 0)
        {
            Child(path[..dot], path).Add(path[(dot + 1)..], value, leaf, ref firstInclusion, ref firstExclusion);
            return;
        }
        if (leaf.Kind == ProjectionKind.Nested)
        {
            var child = Child(path, path);
            foreach (var element in value.AsBsonDocument)
                child.Add(element.Name, element.Value, ProjectionLeaf.Parse(element.Name, element.Value), ref firstInclusion, ref firstExclusion);
            return;
        }
        if (_leaves.ContainsKey(path) || _children.ContainsKey(path))
            throw new CommandFailure(31250, "Location31250", $"Path collision at {path}");
        _leaves[path] = leaf;
        _order.Add(path);
        if (leaf.Kind is ProjectionKind.Include or ProjectionKind.Computed or ProjectionKind.ElemMatch) firstInclusion ??= path;
        if (leaf.Kind == ProjectionKind.Exclude) firstExclusion ??= path;
    }

    private ProjectionTree Child(string name, string fullPath)
    {
        if (_leaves.ContainsKey(name)) throw new CommandFailure(31249, "Location31249", $"Path collision at {fullPath} remaining portion {fullPath[(name.Length + 1)..]}");
        if (!_children.TryGetValue(name, out var child))
        {
            _children[name] = child = new ProjectionTree();
            _order.Add(name);
        }
        return child;
    }

    public BsonDocument Include(BsonDocument doc, ExpressionScope scope)
    {
        var result = new BsonDocument();
        foreach (var element in doc)
        {
            if (_leaves.TryGetValue(element.Name, out var leaf))
            {
                switch (leaf.Kind)
                {
                    case ProjectionKind.Include: result.Add(element); break;
                    case ProjectionKind.Slice: result.Add(element.Name, element.Value is BsonArray a ? leaf.Slice(a) : element.Value); break;
                    case ProjectionKind.ElemMatch:
                        if (element.Value is BsonArray array && array.FirstOrDefault(e => leaf.ElementCondition!.Matches([new BsonArray { e }])) is { } match)
                            result.Add(element.Name, new BsonArray { match });
                        break;
                }
            }
            else if (_children.TryGetValue(element.Name, out var child))
            {
                var projected = child.IncludeValue(element.Value, scope);
                if (projected is not null) result.Add(element.Name, projected);
            }
        }
        AddComputed(result, scope);
        return result;
    }

    private BsonValue? IncludeValue(BsonValue value, ExpressionScope scope) => value switch
    {
        BsonDocument d => Include(d, scope),
        BsonArray a => new BsonArray(a.Select(e => IncludeValue(e, scope)).Where(e => e is not null)),
        _ => HasComputed ? Include([], scope) : null,
    };

    private bool HasComputed => _leaves.Values.Any(l => l.Kind == ProjectionKind.Computed) || _children.Values.Any(c => c.HasComputed);

    private void AddComputed(BsonDocument result, ExpressionScope scope)
    {
        foreach (var name in _order)
        {
            if (_leaves.TryGetValue(name, out var leaf) && leaf.Kind == ProjectionKind.Computed)
            {
                var value = leaf.Expression!.Evaluate(scope);
                if (value is not null) result[name] = value;
            }
            else if (_children.TryGetValue(name, out var child) && child.HasComputed && !result.Contains(name))
                result[name] = child.Include([], scope);
        }
    }

    public BsonDocument Exclude(BsonDocument doc, ExpressionScope scope)
    {
        var result = new BsonDocument();
        foreach (var element in doc)
        {
            if (_leaves.TryGetValue(element.Name, out var leaf))
            {
                if (leaf.Kind == ProjectionKind.Slice) result.Add(element.Name, element.Value is BsonArray a ? leaf.Slice(a) : element.Value);
            }
            else if (_children.TryGetValue(element.Name, out var child)) result.Add(element.Name, child.ExcludeValue(element.Value, scope));
            else result.Add(element);
        }
        return result;
    }

    private BsonValue ExcludeValue(BsonValue value, ExpressionScope scope) => value switch
    {
        BsonDocument d => Exclude(d, scope),
        BsonArray a => new BsonArray(a.Select(e => ExcludeValue(e, scope))),
        _ => value,
    };
}
