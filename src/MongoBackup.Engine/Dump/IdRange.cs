using MongoBackup.Engine.Catalog;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// A slice of a collection's _id index, read with min/max index bounds (not $gte/$lt, which would only match _ids of
/// the bound's own type): from <see cref="Min"/> (inclusive; the start when null) to <see cref="Max"/> (exclusive; the
/// end when null). Together the ranges of a plan cover every document once, whatever the types of its _ids.
/// </summary>
public sealed record IdRange(BsonValue? Min, BsonValue? Max)
{
    /// <summary>The whole collection, read in natural order without an index hint, as mongodump reads it.</summary>
    public static readonly IdRange Whole = new(null, null);

    /// <summary>
    /// Find options that read this range: a hint on {_id: 1} with min and max index bounds (none for <see cref="Whole"/>);
    /// <paramref name="batchSize"/> is in documents.
    /// </summary>
    public FindOptions<RawBsonDocument> ToFindOptions(int batchSize)
    {
        var options = new FindOptions<RawBsonDocument> { BatchSize = batchSize };
        if (this == Whole) return options; // a plain natural-order scan, as mongodump reads
        options.Hint = new BsonDocument("_id", 1);
        if (Min is not null) options.Min = new BsonDocument("_id", Min);
        if (Max is not null) options.Max = new BsonDocument("_id", Max);
        return options;
    }
}

/// <summary>
/// Splits a large collection into _id ranges that can be read in parallel, with split points the server gives
/// cheaply: a random sample of _ids ($sample reads random documents, not the collection), sorted by the server.
/// </summary>
public static class IdRangePlanner
{
    private const int SamplesPerRange = 20;

    /// <summary>
    /// The ranges to read <paramref name="collection"/> in: up to <paramref name="ranges"/> ranges, ordered along the _id
    /// index, the first open at its start and the last at its end; <see cref="IdRange.Whole"/> alone when fewer than two ranges
    /// are asked for, the count (<paramref name="estimatedCount"/>, documents) is unknown or
    /// below <paramref name="threshold"/> (documents), or the collection is capped, clustered, a view or time series.
    /// </summary>
    public static async Task<IReadOnlyList<IdRange>> PlanAsync(
        IMongoCollection<RawBsonDocument> source, SourceCollection collection, long? estimatedCount, long threshold, int ranges, CancellationToken ct)
    {
        if (ranges < 2 || estimatedCount is not { } count || count < threshold || !CanSplit(collection)) return [IdRange.Whole];
        var pipeline = new[]
        {
            new BsonDocument("$sample", new BsonDocument("size", ranges * SamplesPerRange)),
            new BsonDocument("$project", new BsonDocument("_id", 1)),
            new BsonDocument("$sort", new BsonDocument("_id", 1)),
        };
        var documents = source.Database.GetCollection<BsonDocument>(source.CollectionNamespace.CollectionName);
        var sample = await (await documents.AggregateAsync<BsonDocument>(pipeline, cancellationToken: ct)).ToListAsync(ct);
        var splits = Enumerable.Range(1, ranges - 1)
            .Select(i => sample.Count == 0 ? null : sample[Math.Min(sample.Count - 1, i * sample.Count / ranges)]["_id"])
            .OfType<BsonValue>()
            .Distinct()
            .ToList();
        if (splits.Count == 0) return [IdRange.Whole];
        var plan = new List<IdRange> { new(null, splits[0]) };
        for (var i = 1; i < splits.Count; i++) plan.Add(new IdRange(splits[i - 1], splits[i]));
        plan.Add(new IdRange(splits[^1], null));
        return plan;
    }

    // Capped collections keep insertion order and clustered and timeseries ones have no separate _id index to bound.
    private static bool CanSplit(SourceCollection collection) =>
        collection.Kind == CollectionKind.Collection
        && !collection.Options.GetValue("capped", false).ToBoolean()
        && !collection.Options.Contains("clusteredIndex");
}
