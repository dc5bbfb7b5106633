using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Dump;

/// <summary>
/// A large collection is read in parallel _id ranges: each range reads from its Min (inclusive) to its Max (exclusive)
/// along the _id index, so the ranges of a plan read every document exactly once, whatever the types of the _ids.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class IdRangeTests(MongoServerFixture server)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_ranges_of_a_plan_read_every_document_once_across_mixed_id_types()
    {
        var (collection, ids) = await MixedIdsAsync(TestDatabases.NewName("idrange"));

        var plan = await IdRangePlanner.PlanAsync(collection, Source(collection), ids.Count, threshold: 10, ranges: 4, None);
        var read = new List<BsonValue>();
        foreach (var range in plan) read.AddRange(await ReadAsync(collection, range));

        Assert.True(plan.Count > 1, "a collection over the threshold is split");
        Assert.Null(plan[0].Min);
        Assert.Null(plan[^1].Max);
        for (var i = 1; i < plan.Count; i++) Assert.Equal(plan[i - 1].Max, plan[i].Min); // each range starts where the one before stops
        Assert.Equal(ids.Count, read.Count);
        Assert.Equal(ids.Order().ToList(), read.Order().ToList());
    }

    [Fact]
    public async Task A_range_takes_its_lower_bound_and_leaves_its_upper_bound_to_the_next_range()
    {
        var (collection, _) = await MixedIdsAsync(TestDatabases.NewName("idbound"));

        var below = await ReadAsync(collection, new IdRange(null, 10));
        var from = await ReadAsync(collection, new IdRange(10, "a"));

        Assert.DoesNotContain(new BsonInt32(10), below);
        Assert.Contains(new BsonInt32(10), from);
        Assert.DoesNotContain(new BsonString("a"), from);
        // Numbers sort before strings in the _id index: the range from 10 to "a" holds the numbers from 10 up, not only ints.
        Assert.Contains(new BsonDouble(10.5), from);
        Assert.Contains(new BsonInt64(1_000_000_000_000), from);
    }

    [Fact]
    public void The_whole_range_is_a_plain_scan_and_a_bounded_one_follows_the_id_index()
    {
        var whole = IdRange.Whole.ToFindOptions(500);
        var bounded = new IdRange(5, null).ToFindOptions(500);

        Assert.Equal(500, whole.BatchSize);
        Assert.Null(whole.Hint);
        Assert.Null(whole.Min);
        Assert.Equal(new BsonDocument("_id", 1), bounded.Hint);
        Assert.Equal(new BsonDocument("_id", 5), bounded.Min);
        Assert.Null(bounded.Max);
    }

    [Theory]
    [InlineData("{ capped: true, size: 1048576 }")]
    [InlineData("{ clusteredIndex: { key: { _id: 1 }, unique: true } }")]
    public async Task A_capped_or_clustered_collection_and_a_small_one_are_read_whole(string options)
    {
        var (collection, ids) = await MixedIdsAsync(TestDatabases.NewName("idwhole"));
        var source = Source(collection);

        Assert.Equal([IdRange.Whole], await IdRangePlanner.PlanAsync(collection, source with { Options = BsonDocument.Parse(options) }, ids.Count, 10, 4, None));
        Assert.Equal([IdRange.Whole], await IdRangePlanner.PlanAsync(collection, source, ids.Count, threshold: ids.Count + 1, 4, None));
        Assert.Equal([IdRange.Whole], await IdRangePlanner.PlanAsync(collection, source, ids.Count, 10, ranges: 1, None));
    }

    private async Task<(IMongoCollection<RawBsonDocument> Collection, List<BsonValue> Ids)> MixedIdsAsync(string database)
    {
        var ids = new List<BsonValue>();
        ids.AddRange(Enumerable.Range(0, 40).Select(i => (BsonValue)new BsonInt32(i)));
        ids.AddRange([new BsonDouble(10.5), new BsonInt64(1_000_000_000_000), new BsonDecimal128(-3.25m)]);
        ids.AddRange(Enumerable.Range(0, 30).Select(i => (BsonValue)new BsonString(((char)('a' + i % 26)).ToString() + i)));
        ids.Add(new BsonString("a"));
        ids.AddRange(Enumerable.Range(0, 20).Select(_ => (BsonValue)ObjectId.GenerateNewId()));
        ids.AddRange([new BsonDocument("k", 1), BsonBoolean.True, new BsonDateTime(DateTime.UnixEpoch), BsonMinKey.Value, BsonMaxKey.Value]);
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("items").InsertManyAsync(ids.Select(id => new BsonDocument { { "_id", id }, { "v", id.ToString() } }));
        return (db.GetCollection<RawBsonDocument>("items"), ids);
    }

    private static SourceCollection Source(IMongoCollection<RawBsonDocument> collection) =>
        new(collection.Database.DatabaseNamespace.DatabaseName, collection.CollectionNamespace.CollectionName, CollectionKind.Collection, [], null, []);

    private static async Task<List<BsonValue>> ReadAsync(IMongoCollection<RawBsonDocument> collection, IdRange range)
    {
        using var cursor = await collection.FindAsync(FilterDefinition<RawBsonDocument>.Empty, range.ToFindOptions(16), None);
        return (await cursor.ToListAsync()).Select(d => d["_id"]).ToList();
    }
}
