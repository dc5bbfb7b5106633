using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A parsed aggregation pipeline over documents in memory, with only the stages this project sends: $match, $sort,
/// $project and $sample (the engine's _id range split points), and $group with $sum (the driver's CountDocuments);
/// and the stages of pipeline-style updates: $set/$addFields, $unset, $replaceRoot/$replaceWith (<see cref="UpdateSpec"/>).
/// Every other stage fails as MongoDB fails a stage it does not know: 40324, "Unrecognized pipeline stage name: '$x'"
/// (src/mongo/db/pipeline/lite_parsed_document_source.cpp), so a test that reaches for one fails loudly instead of
/// running against a half-made imitation. A leading $collStats is answered by the aggregate command itself.
/// </summary>
public sealed class AggregationPipeline
{
    private readonly IReadOnlyList<IPipelineStage> _stages;

    private AggregationPipeline(IReadOnlyList<IPipelineStage> stages) => _stages = stages;

    /// <summary>The pipeline whose $match, $sort and $group compare strings under <paramref name="order"/>: the aggregate's collation (binary when null).</summary>
    public static AggregationPipeline Parse(BsonArray stages, BsonValueOrder? order = null)
    {
        var parsed = new List<IPipelineStage>();
        foreach (var stage in stages)
        {
            if (stage is not BsonDocument { ElementCount: 1 } spec)
                throw new CommandFailure(40323, "Location40323", "A pipeline stage specification object must contain exactly one field.");
            parsed.Add(PipelineStages.Parse(spec.GetElement(0).Name, spec[0], order ?? BsonValueOrder.Instance));
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
    public static IPipelineStage Parse(string name, BsonValue spec, BsonValueOrder order) => name switch
    {
        "$match" => new MatchStage(spec as BsonDocument ?? throw new CommandFailure(15959, "Location15959", "the match filter must be an expression in an object"), order),
        "$sort" => new SortStage(spec as BsonDocument ?? throw new CommandFailure(15973, "Location15973", "the $sort key specification must be an object"), order),
        "$project" => new ProjectStage(spec as BsonDocument ?? throw new CommandFailure(15969, "Location15969", "$project specification must be an object")),
        "$group" => GroupStage.Parse(spec, order),
        "$sample" => SampleStage.Parse(spec),
        // The stages an update pipeline may hold (src/mongo/db/update/pipeline_executor.cpp), served for aggregate too.
        "$set" or "$addFields" => new AddFieldsStage(name, spec),
        "$unset" => new UnsetStage(spec),
        "$replaceRoot" or "$replaceWith" => new ReplaceRootStage(name, spec),
        _ => throw new CommandFailure(40324, "Location40324", $"Unrecognized pipeline stage name: '{name}'"),
    };
}

internal sealed class MatchStage(BsonDocument filter, BsonValueOrder order) : IPipelineStage
{
    private readonly DocumentFilter _filter = DocumentFilter.Parse(filter, order);

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Where(_filter.Matches);
}

internal sealed class SortStage(BsonDocument spec, BsonValueOrder order) : IPipelineStage
{
    private readonly SortOrder _order = spec.ElementCount > 0
        ? SortOrder.Parse(spec, order)
        : throw new CommandFailure(15976, "Location15976", "$sort stage must have at least one sort key");

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => _order.Sort(input);
}

internal sealed class ProjectStage(BsonDocument spec) : IPipelineStage
{
    private readonly Projection _projection = spec.ElementCount > 0
        ? Projection.Parse(spec)
        : throw new CommandFailure(51272, "Location51272", "projection specification must have at least one field");

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input) => input.Select(_projection.Apply);
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
