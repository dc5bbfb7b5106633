using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Writes straight into a time-series collection's buckets collection, and counts over compressed buckets. The buckets'
/// validator is mongod's (src/mongo/db/catalog/create_collection.cpp, _createTimeseries); the cases are MongoDB's own
/// (jstests/core/timeseries/write/timeseries_schema_validation.js) and mongo-tools' (mongorestore_test.go, "invalid
/// system.buckets": the 5 buckets of testdata/timeseries_tests/ts_dump_invalid_buckets are all refused). Runs against
/// MONGOBACKUP_TEST_URI when set.
/// </summary>
public class TimeseriesBucketTests : ServerTestBase
{
    private const int DocumentValidationFailure = 121;

    private static readonly DateTime At = TimeseriesBucketSamples.At;

    private static BsonDocument CompressedBucket(ObjectId id) => TimeseriesBucketSamples.Compressed(id);

    private static BsonDocument UncompressedBucket(int count) => TimeseriesBucketSamples.Uncompressed(count);

    private (IMongoDatabase Db, IMongoCollection<BsonDocument> Buckets) TimeseriesCollection(string timeField = "time")
    {
        var db = Database("tsb");
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "weather" }, { "timeseries", new BsonDocument("timeField", timeField) } });
        return (db, db.GetCollection<BsonDocument>("system.buckets.weather"));
    }

    [Fact]
    public void The_buckets_collection_carries_mongods_validator_and_refuses_buckets_that_break_it()
    {
        var (db, buckets) = TimeseriesCollection();
        var listed = db.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", "system.buckets.weather") }).Single();
        Assert.Equal(new BsonArray { "_id", "control", "data" }, listed["options"]["validator"]["$jsonSchema"]["required"]);

        buckets.InsertOne(CompressedBucket(ObjectId.GenerateNewId(At)));
        buckets.InsertOne(UncompressedBucket(2));
        var broken = new[]
        {
            "{control: {version: 'not a number', min: {time: ISODate('2024-03-19T13:46:00Z')}, max: {time: ISODate('2024-03-19T13:46:00Z')}}, data: {}}",
            "{control: {version: 1, min: {time: 'not a date'}, max: {time: ISODate('2024-03-19T13:46:00Z')}}, data: {}}",
            "{control: {version: 1, min: {time: ISODate('2024-03-19T13:46:00Z')}, max: {time: 'not a date'}}, data: {}}",
            "{control: {version: 1, min: {time: ISODate('2024-03-19T13:46:00Z')}, max: {time: ISODate('2024-03-19T13:46:00Z')}}, data: 'not an object'}",
            "{invalid_bucket_field: 1}",
            "{control: {version: 2, min: {time: ISODate('2024-03-19T13:46:00Z')}, max: {time: ISODate('2024-03-19T13:46:00Z')}, count: 0}, data: {}}",
            "{control: {version: 1, min: {time: ISODate('2024-03-19T13:46:00Z')}, max: {time: ISODate('2024-03-19T13:46:00Z')}, other: 1}, data: {}}",
        };
        foreach (var bucket in broken)
        {
            var refused = Assert.Throws<MongoWriteException>(() => buckets.InsertOne(BsonDocument.Parse(bucket)));
            Assert.Equal(DocumentValidationFailure, refused.WriteError.Code);
            Assert.Equal("Document failed validation", refused.WriteError.Message);
        }
        Assert.Equal(2, buckets.CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public void Mongo_tools_invalid_buckets_are_all_refused_unless_validation_is_bypassed()
    {
        var (_, buckets) = TimeseriesCollection("ts");
        var invalid = BsonFile.ReadAll(FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump_invalid_buckets/timeseries_test/system.buckets.foo_ts.bson"));
        Assert.Equal(5, invalid.Count);

        var refused = Assert.Throws<MongoBulkWriteException<BsonDocument>>(() => buckets.InsertMany(invalid, new InsertManyOptions { IsOrdered = false }));
        Assert.Equal(5, refused.WriteErrors.Count);
        Assert.All(refused.WriteErrors, e => Assert.Equal(DocumentValidationFailure, e.Code));
        Assert.Equal(0, buckets.CountDocuments(FilterDefinition<BsonDocument>.Empty));

        // It is an ordinary validator: bypassDocumentValidation skips it (collection_impl.cpp, checkValidation), which is
        // why mongorestore leaves that flag off for time-series collections.
        buckets.InsertMany(invalid, new InsertManyOptions { IsOrdered = false, BypassDocumentValidation = true });
        Assert.Equal(5, buckets.CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public void Measurements_in_compressed_buckets_are_counted_from_control_count_and_reading_them_fails_saying_so()
    {
        var (db, buckets) = TimeseriesCollection();
        foreach (var _ in Enumerable.Range(0, 3)) buckets.InsertOne(CompressedBucket(ObjectId.GenerateNewId(At)));
        buckets.InsertOne(UncompressedBucket(2));
        var weather = db.GetCollection<BsonDocument>("weather");

        Assert.Equal(5, weather.CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(5, db.RunCommand<BsonDocument>(new BsonDocument("count", "weather"))["n"].ToInt32());

        // Anything that needs the measurements themselves: a filtered count, a find.
        var filtered = Assert.Throws<MongoCommandException>(() => weather.CountDocuments(new BsonDocument("a", 1)));
        Assert.Equal(59, filtered.Code);
        Assert.Contains("compressed time-series buckets (control.version 2", filtered.Message);
        Assert.Equal(59, Assert.Throws<MongoCommandException>(() => weather.Find(FilterDefinition<BsonDocument>.Empty).ToList()).Code);
    }

    [Fact]
    public void Uncompressed_buckets_count_the_same_from_their_time_column_as_unpacked()
    {
        var (db, buckets) = TimeseriesCollection();
        buckets.InsertOne(UncompressedBucket(3));
        buckets.InsertOne(UncompressedBucket(4));
        var weather = db.GetCollection<BsonDocument>("weather");
        Assert.Equal(7, weather.CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(7, weather.Find(FilterDefinition<BsonDocument>.Empty).ToList().Count);
        Assert.Equal(4, weather.CountDocuments(new BsonDocument("a", new BsonDocument("$gte", 1)).Add("time", new BsonDocument("$lte", At.AddSeconds(2)))));
    }
}
