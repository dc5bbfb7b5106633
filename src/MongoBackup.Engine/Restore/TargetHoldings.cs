using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a restore target holds, said in the units a user counts: documents for a collection; for a time-series
/// collection its measurements (what countDocuments counts on it) and the buckets they are stored in (the documents of
/// system.buckets.NAME, which its file and the snapshot's manifest count), never buckets passed off as documents.
/// </summary>
internal static class TargetHoldings
{
    /// <summary>"N document(s)".</summary>
    public static string Documents(long count) => Counted(count, "document");

    /// <summary>"N time-series bucket(s)".</summary>
    public static string Buckets(long count) => Counted(count, "time-series bucket");

    /// <summary>
    /// What <paramref name="targetNamespace"/> holds now: "N documents", or for a time-series collection
    /// "M measurements (in N time-series buckets)", its measurements counted as <see cref="TimeseriesMeasurements"/> counts them.
    /// </summary>
    /// <exception cref="MongoException">The server did not answer a count.</exception>
    public static async Task<string> CountAsync(IMongoClient client, string targetNamespace, bool timeseries, CancellationToken ct)
    {
        var (database, collection) = NamespaceName.Split(targetNamespace);
        var db = client.GetDatabase(database);
        if (!timeseries) return Documents(await db.GetCollection<BsonDocument>(collection).EstimatedDocumentCountAsync(cancellationToken: ct));
        var measurements = await TimeseriesMeasurements.CountAsync(client, database, collection, ct);
        var buckets = await db.GetCollection<BsonDocument>(TimeseriesBuckets.Of(collection)).EstimatedDocumentCountAsync(cancellationToken: ct);
        return $"{Counted(measurements, "measurement")} (in {Buckets(buckets)})";
    }

    private static string Counted(long count, string unit) => $"{count:N0} {unit}{(count == 1 ? "" : "s")}";
}
