using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// The "u" of an update: a replacement document, a document of update operators, or an aggregation pipeline of the
/// stages MongoDB allows there ($set, $unset, $addFields, $project, $replaceWith, $replaceRoot, run by
/// <see cref="AggregationPipeline"/> with the expressions <see cref="AggregationExpression"/> evaluates; an operator it
/// does not evaluate fails as unrecognized). Apply returns the new document and never changes its input.
/// </summary>
public sealed class UpdateSpec
{
    private static readonly HashSet<string> PipelineStagesAllowed =
        ["$set", "$addFields", "$unset", "$project", "$replaceWith", "$replaceRoot"];

    private readonly BsonDocument? _replacement;
    private readonly IReadOnlyList<UpdateModifier>? _modifiers;
    private readonly AggregationPipeline? _pipeline;

    private UpdateSpec(BsonDocument? replacement, IReadOnlyList<UpdateModifier>? modifiers, AggregationPipeline? pipeline)
    {
        _replacement = replacement;
        _modifiers = modifiers;
        _pipeline = pipeline;
    }

    public bool IsReplacement => _replacement is not null;

    public bool IsPipeline => _pipeline is not null;

    /// <summary>True when an operator's path holds the positional "$", which needs the position the filter matched.</summary>
    public bool UsesPositional => _modifiers is not null && _modifiers.Any(m => m.TouchedPaths.Any(p => p.Split('.').Contains("$")));

    public static UpdateSpec Parse(BsonValue update)
    {
        switch (update)
        {
            case BsonArray stages:
                foreach (var stage in stages)
                {
                    var name = stage is BsonDocument { ElementCount: 1 } s ? s.GetElement(0).Name : null;
                    if (name is null || !PipelineStagesAllowed.Contains(name))
                        throw CommandFailure.InvalidOptions($"{name ?? stage.ToString()} is not allowed to be used within an update");
                }
                return new UpdateSpec(null, null, AggregationPipeline.Parse(stages));
            case BsonDocument doc when doc.ElementCount > 0 && doc.GetElement(0).Name.StartsWith('$'):
                return new UpdateSpec(null, ParseModifiers(doc), null);
            case BsonDocument doc:
                foreach (var name in doc.Names)
                    if (name.StartsWith('$'))
                        throw new CommandFailure(52, "DollarPrefixedFieldName", $"The dollar ($) prefixed field '{name}' in '{name}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.");
                return new UpdateSpec(doc, null, null);
            default:
                throw CommandFailure.FailedToParse($"Update argument must be either an object or an array, not {BsonTypeNames.AliasOf(update)}");
        }
    }

    private static List<UpdateModifier> ParseModifiers(BsonDocument doc)
    {
        var modifiers = new List<UpdateModifier>();
        foreach (var element in doc)
        {
            if (!element.Name.StartsWith('$'))
                throw CommandFailure.FailedToParse($"Unknown modifier: {element.Name}. Expected a valid update modifier or pipeline-style update specified as an array");
            modifiers.AddRange(UpdateModifier.Parse(element.Name, element.Value));
        }
        RejectManyPositionals(modifiers);
        RejectConflicts(modifiers);
        // MongoDB applies the operators in field order (numeric components numerically), which is the
        // order new fields appear in when one update creates several.
        return modifiers.OrderBy(m => m.OrderPath, UpdatePathOrder.Instance).ToList();
    }

    // One "$" per path: the query records one matched position (src/mongo/db/update/update_object_node.cpp, parseAndMerge).
    private static void RejectManyPositionals(List<UpdateModifier> modifiers)
    {
        foreach (var path in modifiers.SelectMany(m => m.TouchedPaths))
            if (path.Split('.').Count(p => p == "$") > 1)
                throw CommandFailure.BadValue($"Too many positional (i.e. '$') elements found in path '{path}'");
    }

    private static void RejectConflicts(List<UpdateModifier> modifiers)
    {
        var paths = modifiers.SelectMany(m => m.TouchedPaths).ToList();
        for (var i = 0; i < paths.Count; i++)
            for (var j = i + 1; j < paths.Count; j++)
                if (IsPrefixOrSame(paths[i], paths[j]) || IsPrefixOrSame(paths[j], paths[i]))
                {
                    var (shorter, longer) = paths[i].Length <= paths[j].Length ? (paths[i], paths[j]) : (paths[j], paths[i]);
                    throw new CommandFailure(40, "ConflictingUpdateOperators", $"Updating the path '{longer}' would create a conflict at '{shorter}'");
                }
    }

    private static bool IsPrefixOrSame(string prefix, string path) =>
        path == prefix || (path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] == '.');

    /// <summary>
    /// The updated copy of <paramref name="doc"/>. <paramref name="isUpsertInsert"/> makes $setOnInsert apply
    /// (the document is the seed of an upsert). <paramref name="positionalMatch"/> is the array position the query
    /// matched in <paramref name="doc"/> (<see cref="DocumentFilter.PositionalMatch"/>), which "$" in a path stands for.
    /// <paramref name="log"/>, when given, records the paths the operators changed (see <see cref="OperatorUpdateLog"/>).
    /// </summary>
    internal BsonDocument Apply(BsonDocument doc, BsonArray? arrayFilters, bool isUpsertInsert, string? positionalMatch, OperatorUpdateLog? log)
    {
        BsonDocument result;
        if (_pipeline is not null && arrayFilters is { Count: > 0 })
            throw CommandFailure.FailedToParse("arrayFilters may not be specified for pipeline-style updates");
        if (_replacement is not null) result = Replace(doc);
        else if (_pipeline is not null) result = RunPipeline(doc);
        else
        {
            result = doc.DeepClone().AsBsonDocument;
            var filters = ParseArrayFilters(arrayFilters);
            RejectUnusedArrayFilters(filters);
            var walker = new UpdatePathWalker(filters, positionalMatch);
            foreach (var modifier in _modifiers!) modifier.Apply(result, walker, isUpsertInsert, log);
        }
        KeepIdImmutable(doc, result);
        return result;
    }

    /// <summary>The updated copy of <paramref name="doc"/>; see the overload that also logs.</summary>
    public BsonDocument Apply(BsonDocument doc, BsonArray? arrayFilters = null, bool isUpsertInsert = false, string? positionalMatch = null) =>
        Apply(doc, arrayFilters, isUpsertInsert, positionalMatch, null);

    /// <summary>
    /// The updated copy of <paramref name="doc"/> and, for an operator update, the oplog "o" mongod logs for it: the
    /// $v: 2 delta of the paths the operators changed (null for a replacement or a pipeline, logged otherwise).
    /// </summary>
    public (BsonDocument After, BsonDocument? OperatorDelta) ApplyLogged(BsonDocument doc, BsonArray? arrayFilters, string? positionalMatch)
    {
        var log = _modifiers is null ? null : new OperatorUpdateLog();
        var after = Apply(doc, arrayFilters, false, positionalMatch, log);
        return (after, log is null || log.IsEmpty ? null : log.ToOplogEntry(after));
    }

    /// <summary>
    /// The document an upsert starts from: the filter's equality conditions (top level and inside $and),
    /// with dotted paths expanded into embedded documents.
    /// </summary>
    public static BsonDocument UpsertSeed(BsonDocument filter)
    {
        var seed = new BsonDocument();
        AddEqualities(seed, filter);
        return seed;
    }

    private static void AddEqualities(BsonDocument seed, BsonDocument filter)
    {
        foreach (var element in filter)
        {
            if (element.Name == "$and" && element.Value is BsonArray clauses)
            {
                foreach (var clause in clauses.OfType<BsonDocument>()) AddEqualities(seed, clause);
                continue;
            }
            // A one-clause $or is the same as its clause.
            if (element.Name == "$or" && element.Value is BsonArray { Count: 1 } only && only[0] is BsonDocument single)
            {
                AddEqualities(seed, single);
                continue;
            }
            if (element.Name.StartsWith('$')) continue;
            var value = EqualityValue(element.Value);
            if (value is null) continue;
            var walker = new UpdatePathWalker(new Dictionary<string, DocumentFilter>());
            walker.Visit(seed, element.Name, true, s => s.Set(value.DeepClone()));
        }
    }

    private static BsonValue? EqualityValue(BsonValue condition)
    {
        if (condition is BsonRegularExpression) return null;
        if (!FilterParser.IsOperatorDocument(condition)) return condition;
        var operators = condition.AsBsonDocument;
        if (operators.TryGetValue("$eq", out var eq)) return eq;
        if (operators.TryGetValue("$in", out var @in) && @in is BsonArray { Count: 1 } single && single[0] is not BsonRegularExpression) return single[0];
        return null;
    }

    private BsonDocument Replace(BsonDocument doc)
    {
        var result = _replacement!.DeepClone().AsBsonDocument;
        if (doc.TryGetValue("_id", out var id))
        {
            if (result.TryGetValue("_id", out var newId) && !BsonIdentity.Same(id, newId))
                throw ImmutableIdAltered(newId);
            result.Remove("_id");
            result.InsertAt(0, new BsonElement("_id", id));
        }
        else if (result.TryGetValue("_id", out var givenId) && result.IndexOfName("_id") != 0)
        {
            result.Remove("_id");
            result.InsertAt(0, new BsonElement("_id", givenId));
        }
        return result;
    }

    private BsonDocument RunPipeline(BsonDocument doc)
    {
        var output = _pipeline!.Run([doc.DeepClone().AsBsonDocument]).ToList();
        if (output.Count != 1) throw CommandFailure.BadValue("an update pipeline must produce exactly one document");
        var result = output[0];
        if (doc.TryGetValue("_id", out var id) && !result.Contains("_id")) result.InsertAt(0, new BsonElement("_id", id));
        return result;
    }

    private static void KeepIdImmutable(BsonDocument before, BsonDocument after)
    {
        if (!before.TryGetValue("_id", out var id)) return;
        if (!after.TryGetValue("_id", out var newId))
            throw new CommandFailure(66, "ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'");
        // mongod compares the _id byte for byte: 1 and 1.0 are different _ids here.
        if (!BsonIdentity.Same(id, newId)) throw ImmutableIdAltered(newId);
    }

    private static CommandFailure ImmutableIdAltered(BsonValue newId) =>
        new(66, "ImmutableField", $"After applying the update, the (immutable) field '_id' was found to have been altered to _id: {newId}");

    private void RejectUnusedArrayFilters(Dictionary<string, DocumentFilter> filters)
    {
        foreach (var identifier in filters.Keys)
            if (!_modifiers!.Any(m => m.TouchedPaths.Any(p => p.Split('.').Contains($"$[{identifier}]"))))
                throw CommandFailure.FailedToParse($"The array filter for identifier '{identifier}' was not used in the update");
    }

    private static Dictionary<string, DocumentFilter> ParseArrayFilters(BsonArray? arrayFilters)
    {
        var filters = new Dictionary<string, DocumentFilter>(StringComparer.Ordinal);
        if (arrayFilters is null) return filters;
        foreach (var item in arrayFilters)
        {
            if (item is not BsonDocument { ElementCount: > 0 } filter)
                throw CommandFailure.FailedToParse("Cannot use an expression without a top-level field name in arrayFilters");
            var identifier = filter.GetElement(0).Name.Split('.')[0];
            if (filter.Names.Any(n => n.Split('.')[0] != identifier))
                throw CommandFailure.FailedToParse($"Error parsing array filter :: caused by :: Expected a single top-level field name, found '{identifier}' and '{filter.Names.First(n => n.Split('.')[0] != identifier).Split('.')[0]}'");
            if (!filters.TryAdd(identifier, DocumentFilter.Parse(filter)))
                throw CommandFailure.FailedToParse($"Found multiple array filters with the same top-level field name {identifier}");
        }
        return filters;
    }
}

/// <summary>Orders update paths component by component; all-digit components compare as numbers.</summary>
internal sealed class UpdatePathOrder : IComparer<string>
{
    public static UpdatePathOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.');
        var b = (y ?? "").Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var bothNumeric = FieldPath.TryArrayIndex(a[i], out var na) & FieldPath.TryArrayIndex(b[i], out var nb);
            var c = bothNumeric ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }
}
