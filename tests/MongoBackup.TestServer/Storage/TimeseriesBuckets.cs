using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The bucket documents behind a time-series collection (uncompressed, control.version 1): one measurement per new
/// bucket when inserting, and bucket -> measurements when reading through the time-series name.
/// </summary>
internal static class TimeseriesBuckets
{
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
        if (control.GetValue("version", 1).ToInt32() != 1)
            throw new CommandFailure(2, "BadValue", $"compressed time-series buckets (control.version {control["version"]}) are not supported by the test server");
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
}
