using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Turns an index spec given on a time-series collection into the spec MongoDB 7.0 builds on its buckets collection,
/// and back for listIndexes: the meta field maps to "meta", the time field (or another measurement field, ascending or
/// descending) to its control.min/control.max pair. Like MongoDB 6.3 and later, the bucket spec keeps the user's spec
/// as originalSpec, which listIndexes on the time-series collection reports; mongodump reads indexes that way.
/// </summary>
internal static class TimeseriesIndexSpecs
{
    private const string OriginalSpec = "originalSpec";

    public static BsonDocument ToBucketSpec(BsonDocument userSpec, BsonDocument timeseries)
    {
        if (!userSpec.TryGetValue("key", out var key) || key is not BsonDocument userKey || userKey.ElementCount == 0)
            throw CommandFailure.BadValue("Index key must be a non-empty document: " + userSpec.ToJson());
        // What MongoDB refuses on a time-series collection before translating (mongo src/mongo/db/timeseries/
        // timeseries_commands_conversion_helper.cpp, makeTimeseriesCreateIndexesCommand): unique and text indexes.
        if (userSpec.GetValue("unique", false).ToBoolean())
            throw new CommandFailure(72, "InvalidOptions", "Unique indexes are not supported on time-series collections");
        if (userKey.Any(e => e.Value == "text"))
            throw new CommandFailure(72, "InvalidOptions", "Text indexes are not supported on time-series collections");
        var metaField = timeseries.GetValue("metaField", BsonNull.Value);
        var bucketKey = new BsonDocument();
        foreach (var element in userKey)
        {
            if (metaField.IsString && (element.Name == metaField.AsString || element.Name.StartsWith(metaField.AsString + ".", StringComparison.Ordinal)))
            {
                bucketKey.Add("meta" + element.Name[metaField.AsString.Length..], element.Value);
                continue;
            }
            var direction = element.Value.IsNumeric ? element.Value.ToDouble() : 0;
            if (direction > 0)
                bucketKey.Add("control.min." + element.Name, element.Value).Add("control.max." + element.Name, element.Value);
            else if (direction < 0)
                bucketKey.Add("control.max." + element.Name, element.Value).Add("control.min." + element.Name, element.Value);
            else
                throw new CommandFailure(67, "CannotCreateIndex",
                    $"Bad index key pattern {userKey.ToJson()}: the test server only builds ascending or descending indexes on time-series measurement fields");
        }
        var original = IndexDefinition.NormalizeSpec(userSpec);
        original.Remove("ns");
        var bucketSpec = new BsonDocument(original) { ["key"] = bucketKey };
        bucketSpec[OriginalSpec] = original;
        return bucketSpec;
    }

    /// <summary>
    /// The index MongoDB 6.3 and later builds on every new time-series collection with a metaField: {meta: 1, time: 1},
    /// named as a driver would name it (docs: "Time Series Indexes", compound indexes); null without a metaField.
    /// </summary>
    public static BsonDocument? DefaultIndex(BsonDocument timeseries)
    {
        if (timeseries.GetValue("metaField", BsonNull.Value) is not BsonString meta) return null;
        var time = timeseries["timeField"].AsString;
        var userSpec = new BsonDocument { { "key", new BsonDocument { { meta.Value, 1 }, { time, 1 } } }, { "name", $"{meta.Value}_1_{time}_1" } };
        return ToBucketSpec(userSpec, timeseries);
    }

    /// <summary>The spec listIndexes shows on the time-series collection; null for bucket indexes made without one.</summary>
    public static BsonDocument? ToUserSpec(BsonDocument bucketSpec) =>
        bucketSpec.TryGetValue(OriginalSpec, out var original) && original is BsonDocument spec ? spec : null;
}
