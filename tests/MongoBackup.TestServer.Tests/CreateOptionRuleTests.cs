using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// create refuses what mongod 7.0 refuses of a capped collection's bounds (create.idl's validators: size 1 byte to 1 PB,
/// max under 2^31) and of a time-series collection's bucketing (timeseries_options.cpp validateAndSetBucketingParameters),
/// with mongod's codes and texts, and creates nothing. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class CreateOptionRuleTests : ServerTestBase
{
    [Theory]
    [InlineData("{create: 'n', capped: true, size: 0}", 51024, "BSON field 'create.size' value must be >= 1, actual value '0'")]
    [InlineData("{create: 'n', capped: true, size: NumberLong('1125899906842625')}", 51024, "BSON field 'create.size' value must be <= 1125899906842624, actual value '1125899906842625'")]
    [InlineData("{create: 'n', capped: true, size: 4096, max: NumberLong(2147483648)}", 51024, "BSON field 'create.max' value must be < 2147483648, actual value '2147483648'")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', bucketMaxSpanSeconds: 0}}", 51024, "BSON field 'create.timeseries.bucketMaxSpanSeconds' value must be >= 1, actual value '0'")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', granularity: 'minutes', bucketMaxSpanSeconds: 3600}}", 72,
        "Timeseries 'bucketMaxSpanSeconds' is not configurable to a value other than the default of 86400 for the provided granularity")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', bucketMaxSpanSeconds: 3600}}", 72,
        "Timeseries 'bucketMaxSpanSeconds' and 'bucketRoundingSeconds' need to be set alongside each other")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', granularity: 'weeks'}}", 2,
        "Enumeration value 'weeks' for field 'create.timeseries.granularity' is not a valid value.")]
    public void A_create_outside_mongods_rules_is_refused_with_its_error_and_creates_nothing(string command, int code, string message)
    {
        var db = Database("createrule");

        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(BsonDocument.Parse(command)));

        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.ErrorMessage);
        Assert.Empty(db.ListCollectionNames().ToList());
    }

    [Theory]
    [InlineData("{timeField: 't', granularity: 'hours', bucketMaxSpanSeconds: 2592000}", "hours", 2592000)]
    [InlineData("{timeField: 't', granularity: 'minutes'}", "minutes", 86400)]
    [InlineData("{timeField: 't', bucketMaxSpanSeconds: NumberLong(3600), granularity: 'seconds'}", "seconds", 3600)]
    public void A_granularity_with_its_own_span_is_created_and_listed_with_it(string timeseries, string granularity, int span)
    {
        var db = Database("createrule");

        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "ts" }, { "timeseries", BsonDocument.Parse(timeseries) } });

        var options = db.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", "ts") }).Single()["options"]["timeseries"];
        Assert.Equal(granularity, options["granularity"].AsString);
        Assert.Equal(new BsonInt32(span), options["bucketMaxSpanSeconds"]);
    }
}
