using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The bucket documents behind a time-series collection: one measurement per new bucket when inserting (uncompressed,
/// control.version 1), bucket -> measurements when reading an uncompressed bucket through the time-series name, and
/// the measurements any bucket holds, counted without unpacking it. Compressed buckets (control.version 2, sorted, and 3,
/// unsorted: each data field a BSONColumn, BinData subtype 7) are counted but not read: decoding BSONColumn is not
/// implemented, and a read that needs it fails saying so.
/// </summary>
internal static class TimeseriesBuckets
{
    private const int Uncompressed = 1;

    public static BsonDocument Pack(BsonDocument measurement, BsonDocument timeseries)
    {
        var timeField = timeseries["timeField"].AsString;
        var metaField = timeseries.GetValue("metaField", BsonNull.Value);
        if (!measurement.TryGetValue(timeField, out var time) || !time.IsValidDateTime)
            throw new CommandFailure(2, "BadValue", $"'{timeField}' must be present and contain a valid BSON UTC datetime value");
        var fields = new BsonDocument(measurement.Where(e => !metaField.IsString || e.Name != metaField.AsString));
        if (!fields.Contains("_id")) fields = new BsonDocument("_id", ObjectId.GenerateNewId()).AddRange(fields);
        var data = new BsonDocument(fields.Select(e => new BsonElement(e.Name, new BsonDocument("0", e.Value))));
        var bucketId = ObjectId.GenerateNewId((int)(time.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds);
        var bucket = new BsonDocument
        {
            { "_id", bucketId },
            { "control", new BsonDocument { { "version", 1 }, { "min", fields }, { "max", fields } } },
        };
        if (metaField.IsString && measurement.TryGetValue(metaField.AsString, out var meta)) bucket.Add("meta", meta);
        bucket.Add("data", data);
        return bucket;
    }

    public static IEnumerable<BsonDocument> Unpack(BsonDocument bucket, string? metaField)
    {
        var control = bucket.GetValue("control", new BsonDocument()).AsBsonDocument;
        if (!IsUncompressed(control))
            throw new CommandFailure(59, "CommandNotFound",
                $"the in-memory test server does not implement reading the measurements of compressed time-series buckets (control.version {control["version"]}, BSONColumn data), only counting them");
        var data = bucket.GetValue("data", new BsonDocument()).AsBsonDocument;
        var indexes = data.Values.OfType<BsonDocument>().SelectMany(column => column.Names).Distinct().OrderBy(int.Parse);
        foreach (var index in indexes)
        {
            var measurement = new BsonDocument();
            foreach (var column in data)
                if (column.Value is BsonDocument values && values.TryGetValue(index, out var value))
                    measurement.Add(column.Name, value);
            if (metaField != null && bucket.TryGetValue("meta", out var meta)) measurement.Add(metaField, meta);
            yield return measurement;
        }
    }

    /// <summary>
    /// The measurements <paramref name="bucket"/> holds, counted as mongod counts them without unpacking
    /// (BucketUnpacker::computeMeasurementCount, bucket_unpacker.cpp): in an uncompressed bucket, the entries of its time
    /// field's column (data.&lt;timeField&gt;); in a compressed one, control.count, which mongod writes as it compresses
    /// (bucket_compression.cpp, compressBucket: "Set count", the number of measurements) and the buckets' validator
    /// holds to at least 1. A compressed bucket without control.count would need its time column decoded, which this
    /// server does not do: it fails saying so rather than guess.
    /// </summary>
    public static long MeasurementCount(BsonDocument bucket, string timeField)
    {
        var control = bucket.GetValue("control", new BsonDocument()).AsBsonDocument;
        if (IsUncompressed(control))
            return bucket.GetValue("data", new BsonDocument()).AsBsonDocument.GetValue(timeField, new BsonDocument()) is BsonDocument times ? times.ElementCount : 0;
        if (control.GetValue("count", BsonNull.Value) is { IsNumeric: true } count) return count.ToInt64();
        throw new CommandFailure(59, "CommandNotFound",
            $"the in-memory test server does not implement counting a compressed time-series bucket (control.version {control["version"]}) without control.count: that needs its BSONColumn time field decoded");
    }

    private static bool IsUncompressed(BsonDocument control) =>
        control.GetValue("version", Uncompressed) is { IsNumeric: true } version && version.ToDouble() == Uncompressed;
}
