using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A small leading $sample picks random documents without reading the collection, as MongoDB's random cursor does; runs
/// against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class SampleStageTests : ServerTestBase
{
    [Fact]
    public async Task A_small_sample_returns_distinct_existing_documents_that_later_stages_see()
    {
        var items = Database("s").GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 2000).Select(i => new BsonDocument { { "_id", i }, { "v", i * 2 } }));
        await items.DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$lt", 1000))); // tombstones must not be sampled

        var pipeline = new[]
        {
            new BsonDocument("$sample", new BsonDocument("size", 50)),
            new BsonDocument("$project", new BsonDocument("v", 1)),
            new BsonDocument("$sort", new BsonDocument("_id", 1)),
        };
        var sample = await (await items.AggregateAsync<BsonDocument>(pipeline)).ToListAsync();

        Assert.Equal(50, sample.Count);
        Assert.Equal(50, sample.Select(d => d["_id"].AsInt32).Distinct().Count());
        Assert.All(sample, d => Assert.True(d["_id"].AsInt32 >= 1000 && d["v"].AsInt32 == d["_id"].AsInt32 * 2));
        Assert.Equal(sample.Select(d => d["_id"].AsInt32).Order(), sample.Select(d => d["_id"].AsInt32));
    }
}
