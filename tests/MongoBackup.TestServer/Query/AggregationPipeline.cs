using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A parsed aggregation pipeline over documents in memory. Stages the server must handle itself
/// ($collStats, $out, ...) are not known here and fail as unrecognized.
/// </summary>
public sealed class AggregationPipeline
{
    private readonly IReadOnlyList<IPipelineStage> _stages;

    private AggregationPipeline(IReadOnlyList<IPipelineStage> stages) => _stages = stages;

    public static AggregationPipeline Parse(BsonArray stages)
    {
        var parsed = new List<IPipelineStage>();
        foreach (var stage in stages)
        {
            if (stage is not BsonDocument { ElementCount: 1 } spec)
                throw new CommandFailure(40323, "Location40323", "A pipeline stage specification object must contain exactly one field.");
            parsed.Add(PipelineStages.Parse(spec.GetElement(0).Name, spec[0]));
        }
        return new AggregationPipeline(parsed);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var current = input;
        foreach (var stage in _stages) current = stage.Run(current);
        return current;
    }
}

internal interface IPipelineStage
{
    IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input);
}

internal static class PipelineStages
{
    public static IPipelineStage Parse(string name, BsonValue spec) => name switch
    {
        "$match" => new MatchStage(spec as BsonDocument ?? throw new CommandFailure(15959, "Location15959", "the match filter must be an expression in an object")),
        "$sort" => new SortStage(spec as BsonDocument ?? throw new CommandFailure(15973, "Location15973", "the $sort key specification must be an object")),
        "$limit" => new LimitStage(PositiveLong(name, spec, allowZero: false)),
        "$skip" => new SkipStage(PositiveLong(name, spec, allowZero: true)),
        "$project" => new ProjectStage(spec as BsonDocument ?? throw new CommandFailure(15969, "Location15969", "$project specification must be an object")),
        "$addFields" or "$set" => new AddFieldsStage(spec as BsonDocument ?? throw new CommandFailure(40272, "Location40272", $"{name} specification stage must be an object, got {BsonTypeNames.AliasOf(spec)}")),
        "$unset" => UnsetStage.Parse(spec),
        "$group" => GroupStage.Parse(spec),
        "$count" => CountStage.Parse(spec),
        "$sample" => SampleStage.Parse(spec),
        "$bucketAuto" => BucketAutoStage.Parse(spec),
        "$unwind" => UnwindStage.Parse(spec),
        "$replaceRoot" => ReplaceRootStage.Parse(spec is BsonDocument d && d.Contains("newRoot") ? d["newRoot"] : throw new CommandFailure(40231, "Location40231", "no newRoot specified for the $replaceRoot stage")),
        "$replaceWith" => ReplaceRootStage.Parse(spec),
        "$sortByCount" => new SortByCountStage(AggregationExpression.Parse(spec)),
        _ => throw new CommandFailure(40324, "Location40324", $"Unrecognized pipeline stage name: '{name}'"),
    };

    private static long PositiveLong(string stage, BsonValue spec, bool allowZero)
    {
        if (!BsonValueOrder.IsNumber(spec) || spec.ToDouble() != Math.Floor(spec.ToDouble()))
            throw new CommandFailure(15957, "Location15957", $"the {stage[1..]} must be specified as a number");
        var value = spec.ToInt64();
        if (value < 0 || (!allowZero && value == 0))
            throw new CommandFailure(15958, "Location15958", $"the {stage[1..]} must be {(allowZero ? "non-negative" : "positive")}");
        return value;
    }
}

internal sealed class MatchStage(BsonDocument filter) : IPipelineStage
{
    private readonly DocumentFilter _filter = DocumentFilter.Parse(filter);

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Where(_filter.Matches);
}

internal sealed class SortStage(BsonDocument spec) : IPipelineStage
{
    private readonly SortOrder _order = spec.ElementCount > 0
        ? SortOrder.Parse(spec)
        : throw new CommandFailure(15976, "Location15976", "$sort stage must have at least one sort key");

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => _order.Sort(input);
}

internal sealed class LimitStage(long limit) : IPipelineStage
{
    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Take((int)Math.Min(limit, int.MaxValue));
}

internal sealed class SkipStage(long skip) : IPipelineStage
{
    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Skip((int)Math.Min(skip, int.MaxValue));
}

internal sealed class ProjectStage(BsonDocument spec) : IPipelineStage
{
    private readonly Projection _projection = spec.ElementCount > 0
        ? Projection.Parse(spec)
        : throw new CommandFailure(51272, "Location51272", "projection specification must have at least one field");

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Select(_projection.Apply);
}

/// <summary>$addFields/$set: computed fields replace existing ones in place; new ones are appended.</summary>
internal sealed class AddFieldsStage(BsonDocument spec) : IPipelineStage
{
    private readonly List<(string[] Path, AggregationExpression Value)> _fields =
        spec.Elements.Select(e => (FieldPath.Parse(e.Name).Parts, AggregationExpression.Parse(e.Value))).ToList();

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Select(Apply);

    private BsonDocument Apply(BsonDocument doc)
    {
        var result = doc.DeepClone().AsBsonDocument;
        var scope = new ExpressionScope(doc);
        foreach (var (path, expression) in _fields)
        {
            var value = expression.Evaluate(scope);
            SetPath(result, path, 0, value);
        }
        return result;
    }

    private static void SetPath(BsonDocument doc, string[] path, int index, BsonValue? value)
    {
        var name = path[index];
        if (index == path.Length - 1)
        {
            if (value is null) doc.Remove(name);
            else doc[name] = value;
            return;
        }
        if (doc.GetValue(name, null) is BsonArray array)
        {
            // $addFields with a dotted path into an array sets the field in every document element.
            for (var i = 0; i < array.Count; i++)
            {
                var element = array[i] as BsonDocument ?? new BsonDocument();
                SetPath(element, path, index + 1, value);
                array[i] = element;
            }
            return;
        }
        if (doc.GetValue(name, null) is not BsonDocument child)
        {
            child = new BsonDocument();
            doc[name] = child;
        }
        SetPath(child, path, index + 1, value);
    }
}

internal sealed class UnsetStage(Projection exclusion) : IPipelineStage
{
    public static UnsetStage Parse(BsonValue spec)
    {
        var names = spec switch
        {
            BsonString s => [s.Value],
            BsonArray a when a.Count > 0 && a.All(v => v is BsonString) => a.Select(v => v.AsString).ToList(),
            _ => throw new CommandFailure(31002, "Location31002", "$unset specification must be a string or an array containing only string values"),
        };
        return new UnsetStage(Projection.Parse(new BsonDocument(names.Select(n => new BsonElement(n, 0)))));
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Select(exclusion.Apply);
}

internal sealed class CountStage(string field) : IPipelineStage
{
    public static CountStage Parse(BsonValue spec)
    {
        if (spec is not BsonString { Value: var name } || name.Length == 0)
            throw new CommandFailure(40156, "Location40156", "the count field must be a non-empty string");
        if (name.StartsWith('$')) throw new CommandFailure(40158, "Location40158", "the count field cannot be a $-prefixed path");
        if (name.Contains('.')) throw new CommandFailure(40160, "Location40160", "the count field cannot contain '.'");
        return new CountStage(name);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var count = input.LongCount();
        if (count > 0) yield return new BsonDocument(field, count <= int.MaxValue ? (BsonValue)(int)count : count);
    }
}

internal sealed class SampleStage(int size) : IPipelineStage
{
    public static SampleStage Parse(BsonValue spec)
    {
        if (spec is not BsonDocument d || !d.TryGetValue("size", out var size))
            throw new CommandFailure(28749, "Location28749", "$sample stage must specify a size");
        if (!BsonValueOrder.IsNumber(size) || size.ToDouble() < 0)
            throw new CommandFailure(28747, "Location28747", "size argument to $sample must not be negative");
        return new SampleStage((int)Math.Min(size.ToInt64(), int.MaxValue));
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var all = input.ToList();
        // Partial Fisher-Yates: a uniform sample without repeats.
        var take = Math.Min(size, all.Count);
        for (var i = 0; i < take; i++)
        {
            var j = Random.Shared.Next(i, all.Count);
            (all[i], all[j]) = (all[j], all[i]);
            yield return all[i];
        }
    }
}

internal sealed class ReplaceRootStage(AggregationExpression newRoot) : IPipelineStage
{
    public static ReplaceRootStage Parse(BsonValue spec) => new(AggregationExpression.Parse(spec));

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        foreach (var doc in input)
        {
            var value = newRoot.Evaluate(doc);
            yield return value as BsonDocument ?? throw new CommandFailure(40228, "Location40228",
                $"'newRoot' expression must evaluate to an object, but resulting value was: {(value is null ? "MISSING" : value.ToString())}. Type of resulting value: '{BsonTypeNames.AliasOf(value)}'. Input document: {doc}");
        }
    }
}
