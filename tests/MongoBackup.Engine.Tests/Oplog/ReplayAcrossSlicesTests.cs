using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Point-in-time restores over slices that hold transactions in the forms MongoDB writes (from mongo-tools' captures),
/// very large documents, and catalog changes: a transaction applies whole when its commit is inside the range, not at
/// all otherwise, whichever slices its entries lie in.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ReplayAcrossSlicesTests(MongoServerFixture server) : IDisposable
{
    private readonly RepositoryScenario _scenario = new(server);

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task A_cut_inside_a_large_transaction_restores_none_of_it_and_its_commit_restores_all_of_it()
    {
        var database = TestDatabases.NewName("chain");
        await SeedAndBackUpAsync(database);
        var padding = new string('x', 16 * 1024);
        var batches = Enumerable.Range(0, 3)
            .Select(b => (IReadOnlyList<BsonDocument>)Enumerable.Range(b * 400, 400).Select(i => new BsonDocument { { "_id", i }, { "pad", padding } }).ToList())
            .ToList();
        var slices = new HandWrittenSlices(_scenario.Repository, _scenario.Connection);
        var chain = await slices.StampChainAsync(TransactionChains.Large($"{database}.items", batches));
        await slices.WriteAsync(chain.Take(2));
        await slices.WriteAsync(chain.Skip(2));

        foreach (var cut in chain.Take(2))
            Assert.Equal(["seed"], await RestoredIdsAsync(database, cut["ts"].AsBsonTimestamp));
        var all = await RestoredIdsAsync(database, chain[^1]["ts"].AsBsonTimestamp);
        Assert.Equal(1_201, all.Count);
    }

    [Fact]
    public async Task A_prepared_transaction_whose_commit_lies_in_the_next_slice_applies_at_its_commit()
    {
        var database = TestDatabases.NewName("prepared");
        await SeedAndBackUpAsync(database);
        var (prepare, commit) = TransactionChains.Prepared($"{database}.items", [new BsonDocument("_id", "a"), new BsonDocument("_id", "b")]);
        var slices = new HandWrittenSlices(_scenario.Repository, _scenario.Connection);
        var chain = await slices.StampChainAsync([prepare, commit]);
        await slices.WriteAsync(chain.Take(1));
        await slices.WriteAsync(chain.Skip(1));

        Assert.Equal(["seed"], await RestoredIdsAsync(database, chain[0]["ts"].AsBsonTimestamp));
        Assert.Equal(["a", "b", "seed"], await RestoredIdsAsync(database, chain[1]["ts"].AsBsonTimestamp));
    }

    /// <summary>
    /// Two 9 MB documents after one of 7.5 MB: a batch cut only once it has passed its target would send the 7.5 MB and
    /// the first 9 MB entries together, one applyOps of about 16.5 MB, which MongoDB refuses (BSONObjectTooLarge).
    /// </summary>
    [Fact]
    public async Task Two_9MB_documents_inserted_between_two_slices_replay()
    {
        var database = TestDatabases.NewName("big");
        await SeedAndBackUpAsync(database);
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "before"));
        await _scenario.SliceAsync();
        var big = new string('b', 9 * 1024 * 1024);
        await items.InsertOneAsync(new BsonDocument { { "_id", "big0" }, { "pad", new string('a', 15 * 512 * 1024) } });
        await items.InsertOneAsync(new BsonDocument { { "_id", "big1" }, { "pad", big } });
        await items.InsertOneAsync(new BsonDocument { { "_id", "big2" }, { "pad", big } });
        var last = await _scenario.SliceAsync();

        Assert.Equal(["before", "big0", "big1", "big2", "seed"], await RestoredIdsAsync(database, last.OplogEnd!.Value));

        // What MongoDB refuses (BSONObjectTooLarge) is any command body over 16 MiB + 16 KiB: watch every applyOps sent.
        var sizes = new System.Collections.Concurrent.ConcurrentBag<int>();
        var settings = MongoClientSettings.FromConnectionString(server.ConnectionString);
        settings.ClusterConfigurator = cluster => cluster.Subscribe<MongoDB.Driver.Core.Events.CommandStartedEvent>(e =>
        {
            if (e.CommandName == "applyOps") sizes.Add(e.Command.ToBson().Length);
        });
        using var watched = new MongoClient(settings);
        var target = TestDatabases.NewName("big_r");
        await ReplayHarness.ReplayAsync(watched, SliceEntries.ReadAsync(_scenario.Repository, [last], null, CancellationToken.None),
            new NamespaceFilter(databases: [database]), new NamespaceMap().AddDatabaseRename(database, target), [$"{database}.items"]);
        Assert.NotEmpty(sizes);
        Assert.All(sizes, size => Assert.True(size <= 16 * 1024 * 1024 + 16 * 1024, $"an applyOps command of {size} bytes"));
        Assert.Equal(3, await watched.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_view_created_inside_the_window_follows_a_database_rename()
    {
        var database = TestDatabases.NewName("view");
        await SeedAndBackUpAsync(database);
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument { { "_id", "red" }, { "color", "red" } });
        await db.CreateViewAsync<BsonDocument, BsonDocument>("reds", "items",
            new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>([new BsonDocument("$match", new BsonDocument("color", "red"))]));
        var last = await _scenario.SliceAsync();

        var target = await RestoreAsync(database, last.OplogEnd!.Value);
        var listed = await (await server.Client.GetDatabase(target).ListCollectionsAsync(new ListCollectionsOptions
        {
            Filter = new BsonDocument("name", "reds"),
        })).SingleAsync();
        Assert.Equal("view", listed["type"].AsString);
        Assert.Equal("items", listed["options"]["viewOn"].AsString);
        var seen = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("reds").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(["red"], seen.Select(d => d["_id"].AsString));
    }

    private async Task SeedAndBackUpAsync(string database)
    {
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", "seed"));
        await _scenario.BackUpAsync(database);
    }

    private async Task<string> RestoreAsync(string database, OplogTimestamp at)
    {
        var target = TestDatabases.NewName("r");
        var outcome = await _scenario.RestoreToAsync(at, database, target);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        return target;
    }

    private async Task<List<string>> RestoredIdsAsync(string database, OplogTimestamp at)
    {
        var target = await RestoreAsync(database, at);
        var ids = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items")
            .Find(FilterDefinition<BsonDocument>.Empty).Project(new BsonDocument("_id", 1)).ToListAsync();
        return ids.Select(d => d["_id"].IsString ? d["_id"].AsString : d["_id"].ToString()!).Order(StringComparer.Ordinal).ToList();
    }
}
