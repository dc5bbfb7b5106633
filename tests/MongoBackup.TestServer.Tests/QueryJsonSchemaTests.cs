using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>$jsonSchema in queries and validators, as MongoDB evaluates it; runs against MONGOBACKUP_TEST_URI when set.</summary>
public class QueryJsonSchemaTests
{
    private static List<int> Matching(string schema)
    {
        using var target = MongoTarget.Open();
        var people = target.Client.GetDatabase(target.NewDatabaseName("schema")).GetCollection<BsonDocument>("people");
        people.InsertMany(
        [
            BsonDocument.Parse("{_id: 1, name: 'Ann', age: 34, tags: ['a', 'b']}"),
            BsonDocument.Parse("{_id: 2, name: 'Bo', age: NumberLong(17)}"),
            BsonDocument.Parse("{_id: 3, name: 7, age: 40.5, tags: ['a', 'a']}"),
            BsonDocument.Parse("{_id: 4, age: 51, extra: true}"),
        ]);
        return people.Find(new BsonDocument("$jsonSchema", BsonDocument.Parse(schema))).Sort(new BsonDocument("_id", 1)).ToList()
            .Select(d => d["_id"].AsInt32).ToList();
    }

    [Theory]
    [InlineData("{required: ['name']}", new[] { 1, 2, 3 })]
    [InlineData("{properties: {name: {bsonType: 'string'}}}", new[] { 1, 2, 4 })]
    [InlineData("{properties: {age: {bsonType: 'number', minimum: 18}}}", new[] { 1, 3, 4 })]
    [InlineData("{properties: {age: {bsonType: ['int', 'long'], maximum: 40}}}", new[] { 1, 2 })]
    [InlineData("{properties: {name: {enum: ['Ann', 'Bo']}}}", new[] { 1, 2, 4 })]
    [InlineData("{properties: {tags: {uniqueItems: true, items: {bsonType: 'string'}}}}", new[] { 1, 2, 4 })]
    [InlineData("{properties: {_id: {}, name: {}, age: {}, tags: {}}, additionalProperties: false}", new[] { 1, 2, 3 })]
    [InlineData("{title: 'adults', anyOf: [{required: ['tags']}, {properties: {age: {minimum: 50}}}]}", new[] { 1, 3, 4 })]
    [InlineData("{not: {required: ['extra']}, properties: {name: {minLength: 3}}}", new[] { 1, 3 })]
    public void Documents_match_a_schema_as_MongoDB_evaluates_it(string schema, int[] expected)
    {
        Assert.Equal(expected, Matching(schema));
    }
}
