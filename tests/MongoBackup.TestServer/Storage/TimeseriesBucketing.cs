using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The bucketing options of a new time-series collection, checked and completed as mongod 7.0's
/// timeseries::validateAndSetBucketingParameters (db/timeseries/timeseries_options.cpp, with the 6.3 scalability
/// improvements enabled) does: a granularity fixes bucketMaxSpanSeconds to its default (seconds 3600, minutes 86400,
/// hours 2592000); without one, bucketMaxSpanSeconds must come with an equal bucketRoundingSeconds (which this server
/// does not serve: its command shape refuses it), and neither gives granularity "seconds".
/// </summary>
internal static class TimeseriesBucketing
{
    /// <summary>The options with granularity and bucketMaxSpanSeconds filled in as mongod stores them.</summary>
    /// <exception cref="CommandFailure">BadValue for an unknown granularity (the IDL enum), InvalidOptions (72) for a span the rules refuse.</exception>
    public static BsonDocument Complete(BsonDocument timeseries)
    {
        var completed = new BsonDocument(timeseries);
        var hasGranularity = timeseries.TryGetValue("granularity", out var granularity);
        var defaultSpan = MaxSpanOf(hasGranularity ? granularity.AsString : "seconds");
        var hasSpan = timeseries.TryGetValue("bucketMaxSpanSeconds", out var span);
        if (hasGranularity)
        {
            if (hasSpan && span.ToInt64() != defaultSpan)
                throw new CommandFailure(72, "InvalidOptions",
                    $"Timeseries 'bucketMaxSpanSeconds' is not configurable to a value other than the default of {defaultSpan} for the provided granularity");
        }
        else if (hasSpan)
        {
            throw new CommandFailure(72, "InvalidOptions", "Timeseries 'bucketMaxSpanSeconds' and 'bucketRoundingSeconds' need to be set alongside each other");
        }
        else
        {
            completed.Add("granularity", "seconds");
        }
        // The IDL field is a safeInt: stored as a 32-bit integer whatever numeric type it came as.
        completed["bucketMaxSpanSeconds"] = defaultSpan;
        return completed;
    }

    /// <summary>getMaxSpanSecondsFromGranularity; anything but the BucketGranularity enum's values is the IDL parser's BadValue.</summary>
    private static int MaxSpanOf(string granularity) => granularity switch
    {
        "seconds" => 60 * 60,
        "minutes" => 60 * 60 * 24,
        "hours" => 60 * 60 * 24 * 30,
        _ => throw CommandFailure.BadValue($"Enumeration value '{granularity}' for field 'create.timeseries.granularity' is not a valid value."),
    };
}
