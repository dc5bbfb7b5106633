using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// How many measurements a time-series collection holds, counted as a user counts them: countDocuments on the
/// collection (an aggregation the server runs over its buckets, unpacking each into its measurements; MongoDB manual,
/// "Time Series Collections": the collection is a view over system.buckets.NAME, whose documents are buckets). The
/// count command's fast path (the collection's recorded size) is a count of records, which a time-series collection
/// has none of: it costs a scan of the buckets.
/// </summary>
internal static class TimeseriesMeasurements
{
    /// <summary>The measurements of time-series collection <paramref name="collection"/> of <paramref name="database"/>.</summary>
    public static Task<long> CountAsync(IMongoClient client, string database, string collection, CancellationToken ct) =>
        client.GetDatabase(database).GetCollection<BsonDocument>(collection)
            .CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: ct);
}
