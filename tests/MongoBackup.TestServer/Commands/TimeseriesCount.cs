using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Counting a time-series collection's measurements from its buckets' own counts
/// (<see cref="TimeseriesBuckets.MeasurementCount"/>) instead of unpacking them: what mongod's unpacker knows of a
/// bucket before it reads one, so compressed buckets, which this server cannot unpack, still count right. It answers
/// the two forms a count of the whole collection takes: countDocuments (the driver's pipeline {$match: {}}, {$group:
/// {_id: 1, n: {$sum: 1}}}, the CRUD specification's countDocuments) and count with no query. Anything else reads the
/// measurements, and fails on a compressed bucket saying so.
/// </summary>
internal static class TimeseriesCount
{
    /// <summary>The measurements every visible bucket of <paramref name="timeseries"/> holds.</summary>
    public static long Of(CommandContext context, Collection timeseries)
    {
        var buckets = context.Server.Catalog.Find(timeseries.Database, "system.buckets." + timeseries.Name);
        if (buckets == null) return 0;
        var timeField = timeseries.Options["timeseries"]["timeField"].AsString;
        return VisibleRecords.Documents(buckets, context.Transaction).Sum(b => TimeseriesBuckets.MeasurementCount(b, timeField));
    }

    /// <summary>
    /// The $group of a pipeline that counts every document: an optional {$match: {}}, then {$group: {_id: K, name:
    /// {$sum: 1}}} with K a constant; null for any other pipeline.
    /// </summary>
    public static (BsonValue Id, string Name)? WholeCountGroup(BsonArray pipeline)
    {
        var stages = pipeline.OfType<BsonDocument>().ToList();
        if (stages.Count != pipeline.Count || stages.Count is 0 or > 2) return null;
        if (stages.Count == 2 && !(stages[0] is { ElementCount: 1 } match && match.GetElement(0).Name == "$match" && match[0] is BsonDocument { ElementCount: 0 }))
            return null;
        if (stages[^1] is not { ElementCount: 1 } last || last.GetElement(0).Name != "$group" || last[0] is not BsonDocument { ElementCount: 2 } group)
            return null;
        var id = group.GetElement(0);
        var sum = group.GetElement(1);
        if (id.Name != "_id" || id.Value is BsonDocument or BsonArray || id.Value is BsonString { Value: var s } && s.StartsWith('$')) return null;
        if (sum.Value is not BsonDocument { ElementCount: 1 } accumulator || accumulator.GetElement(0).Name != "$sum"
            || accumulator[0] is not { IsNumeric: true } one || one.ToDouble() != 1)
            return null;
        return (id.Value, sum.Name);
    }
}
