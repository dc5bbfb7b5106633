using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The validator mongod gives the buckets collection of a time-series collection it creates (MongoDB 5.0 to 8.0:
/// src/mongo/db/catalog/create_collection.cpp, _createTimeseries, "a JSON schema enforcing constraints on bucket
/// documents ... only structural to prevent accidental corruption by users"; later releases build the same schema in
/// src/mongo/db/timeseries/viewless_timeseries_collection_creation_helpers.cpp, generateTimeseriesValidator). It is an
/// ordinary validator, kept in the buckets collection's options with the default validationLevel strict and
/// validationAction error: an insert into system.buckets.NAME that breaks it is refused with DocumentValidationFailure
/// (121, "Document failed validation"; jstests/core/timeseries/timeseries_bucket_schema_validation.js), and
/// bypassDocumentValidation skips it like any other (collection_impl.cpp, checkValidation), which is why mongorestore
/// does not send that flag for time-series collections (mongo-tools mongorestore/restore.go; its test restoring
/// testdata/timeseries_tests/ts_dump_invalid_buckets sees all 5 buckets refused, with or without --bypassDocumentValidation).
/// </summary>
internal static class TimeseriesBucketValidator
{
    /// <summary>
    /// {$jsonSchema: ...} for buckets whose measurements' time is <paramref name="timeField"/>: _id an ObjectId; control
    /// with version (a number), min and max (each an object with the time field a date), optionally closed (a bool) and
    /// count (a number of at least 1), and nothing else; data an object; meta anything; no other field.
    /// </summary>
    public static BsonDocument For(string timeField)
    {
        BsonDocument Bound() => new()
        {
            { "bsonType", "object" },
            { "required", new BsonArray { timeField } },
            { "properties", new BsonDocument(timeField, new BsonDocument("bsonType", "date")) },
        };
        var control = new BsonDocument
        {
            { "bsonType", "object" },
            { "required", new BsonArray { "version", "min", "max" } },
            { "properties", new BsonDocument
            {
                { "version", new BsonDocument("bsonType", "number") },
                { "min", Bound() },
                { "max", Bound() },
                { "closed", new BsonDocument("bsonType", "bool") },
                { "count", new BsonDocument { { "bsonType", "number" }, { "minimum", 1 } } },
            } },
            { "additionalProperties", false },
        };
        return new BsonDocument("$jsonSchema", new BsonDocument
        {
            { "bsonType", "object" },
            { "required", new BsonArray { "_id", "control", "data" } },
            { "properties", new BsonDocument
            {
                { "_id", new BsonDocument("bsonType", "objectId") },
                { "control", control },
                { "data", new BsonDocument("bsonType", "object") },
                { "meta", new BsonDocument() },
            } },
            { "additionalProperties", false },
        });
    }
}
