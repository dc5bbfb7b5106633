using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A collection converted to capped after the backup (convertToCapped: a temporary capped copy
/// "tmpXXXXX.convertToCapped.NAME", its inserts logged with fromMigrate: true, renamed over NAME with dropTarget):
/// a point-in-time restore past the conversion gives the capped collection with its documents and its cap, whether
/// the restore takes the whole database or only that collection (the copy is covered as the collection it converts);
/// a moment before it gives the collection as it was, not capped.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ConvertToCappedReplayTests(MongoServerFixture server)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_point_in_time_restore_across_convertToCapped_gives_the_capped_collection_with_its_documents(bool onlyThatCollection)
    {
        var database = TestDatabases.NewName("capconv");
        var db = server.Client.GetDatabase(database);
        using var scenario = new RepositoryScenario(server);
        var log = db.GetCollection<BsonDocument>("log");
        await log.InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        await db.GetCollection<BsonDocument>("other").InsertOneAsync(new BsonDocument("_id", 1));
        await scenario.BackUpAsync(database);
        await log.InsertOneAsync(new BsonDocument("_id", 4));
        var before = await LastOplogTimeAsync();
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{convertToCapped: 'log', size: 4096}"));
        await log.InsertOneAsync(new BsonDocument("_id", 5));
        var listedAfter = (await (await db.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "log") })).SingleAsync())["options"];
        var slice = await scenario.SliceAsync();

        var target = TestDatabases.NewName("capconv_r");
        var outcome = await RestoreAsync(scenario, slice.OplogEnd!.Value, database, target, onlyThatCollection);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var restored = server.Client.GetDatabase(target);
        var listed = (await (await restored.ListCollectionsAsync()).ToListAsync()).ToDictionary(c => c["name"].AsString);
        Assert.Equal(BsonDocument.Parse("{capped: true, size: 4096}"), listedAfter);
        Assert.Equal(listedAfter.ToBson(), listed["log"]["options"].ToBson());
        Assert.Equal([1, 2, 3, 4, 5], (await restored.GetCollection<BsonDocument>("log").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
        Assert.DoesNotContain(listed.Keys, n => n.StartsWith("tmp", StringComparison.Ordinal));
        Assert.Equal(!onlyThatCollection, listed.ContainsKey("other"));

        var earlier = TestDatabases.NewName("capconv_b");
        var outcomeBefore = await RestoreAsync(scenario, before, database, earlier, onlyThatCollection);
        Assert.True(outcomeBefore.Succeeded, outcomeBefore.OplogError ?? string.Join("; ", outcomeBefore.Namespaces.Select(n => n.Error)));
        var plain = (await (await server.Client.GetDatabase(earlier).ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "log") })).SingleAsync())["options"];
        Assert.Equal(new BsonDocument(), plain);
        Assert.Equal(4, await server.Client.GetDatabase(earlier).GetCollection<BsonDocument>("log").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    private async Task<OplogTimestamp> LastOplogTimeAsync()
    {
        var last = await server.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("$natural", -1)).Limit(1).SingleAsync();
        return OplogTimestamp.FromBsonTimestamp(last["ts"].AsBsonTimestamp);
    }

    private static async Task<RestoreOutcome> RestoreAsync(RepositoryScenario scenario, OplogTimestamp at, string from, string to, bool onlyThatCollection) =>
        (await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = scenario.Repository, Limit = OplogLimit.AtClusterTime(at),
            Restore = new RestoreRequest
            {
                Connection = scenario.Connection, Map = new NamespaceMap().AddDatabaseRename(from, to),
                Filter = onlyThatCollection ? new NamespaceFilter(databases: [from], collections: ["log"]) : NamespaceFilter.Everything,
            },
        }, CancellationToken.None)).Restore;
}
