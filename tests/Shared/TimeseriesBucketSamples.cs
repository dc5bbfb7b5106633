using MongoDB.Bson;

namespace MongoBackup.Tests;

/// <summary>
/// Time-series buckets as mongod writes them, for a collection whose timeField is "time": the compressed bucket of
/// MongoDB's own jstests/core/timeseries/write/timeseries_schema_validation.js (control.version 2, compressed and sorted,
/// control.count 1, each data field a BSONColumn, BinData subtype 7, holding its one value), and uncompressed ones
/// (control.version 1: each data field a document of index -> value).
/// </summary>
public static class TimeseriesBucketSamples
{
    /// <summary>The time of the compressed bucket's one measurement.</summary>
    public static readonly DateTime At = new(2024, 3, 19, 13, 46, 0, DateTimeKind.Utc);

    /// <summary>The jstest's compressed bucket, under bucket id <paramref name="id"/> (a bucket's _id is its own; its measurement's is in data._id).</summary>
    public static BsonDocument Compressed(ObjectId id)
    {
        var measurement = new ObjectId("65F9971847423af45aeafc67");
        return new BsonDocument
        {
            { "_id", id },
            { "control", new BsonDocument
            {
                { "version", 2 },
                { "min", new BsonDocument { { "time", At }, { "_id", measurement }, { "a", 1 } } },
                { "max", new BsonDocument { { "time", At }, { "_id", measurement }, { "a", 1 } } },
                { "count", 1 },
            } },
            { "data", new BsonDocument
            {
                { "time", new BsonBinaryData(Convert.FromBase64String("CQDANfZWjgEAAAA="), BsonBinarySubType.Column) },
                { "_id", new BsonBinaryData(Convert.FromBase64String("BwBl+ZcYR0I69Frq/GcA"), BsonBinarySubType.Column) },
                { "a", new BsonBinaryData(Convert.FromBase64String("AQAAAAAAAADwPwA="), BsonBinarySubType.Column) },
            } },
        };
    }

    /// <summary>An uncompressed bucket of <paramref name="count"/> measurements a second apart from <see cref="At"/>.</summary>
    public static BsonDocument Uncompressed(int count)
    {
        BsonDocument Column(Func<int, BsonValue> value) => new(Enumerable.Range(0, count).Select(i => new BsonElement(i.ToString(), value(i))));
        return new BsonDocument
        {
            { "_id", ObjectId.GenerateNewId(At) },
            { "control", new BsonDocument
            {
                { "version", 1 },
                { "min", new BsonDocument { { "time", At }, { "a", 0 } } },
                { "max", new BsonDocument { { "time", At.AddSeconds(count - 1) }, { "a", count - 1 } } },
            } },
            { "data", new BsonDocument { { "time", Column(i => At.AddSeconds(i)) }, { "a", Column(i => i) } } },
        };
    }
}
