using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Hot backups and point-in-time restores over the oplog forms the test server writes as MongoDB 4.4-8.0 do, with
/// nothing hand-written: a prepared transaction (its commitTransaction entry), a large transaction's partialTxn chain,
/// an index built in two phases (startIndexBuild, commitIndexBuild). Its own server, started with test commands on
/// (prepareTransaction needs them on a replica set that is not a shard).
/// </summary>
public sealed class ServerWrittenFormsTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions
    {
        ReplicaSetName = "rs0", Log = TextWriter.Null, Parameters = new Dictionary<string, string> { [ServerParameters.EnableTestCommandsName] = "1" },
    });
    private readonly RepositoryScenario _scenario;
    private readonly MongoClient _client;

    public ServerWrittenFormsTests()
    {
        _scenario = new RepositoryScenario(_server.ConnectionString);
        _client = new MongoClient(_server.ConnectionString);
    }

    public void Dispose()
    {
        _client.Dispose();
        _scenario.Dispose();
        _server.Dispose();
    }

    private IMongoDatabase Admin => _client.GetDatabase("admin");

    /// <summary>
    /// A transaction prepared before the backup moves its oplog start back to the prepare entry (config.transactions,
    /// as mongodump reads it); it commits after the backup, in the next slice. Restored to a moment before its
    /// commit it is not there; at its commit it is, whole. Between the prepare and the backup a collection was written
    /// and dropped: the snapshot's oplog holds that write, to a collection the restore does not hold, which is left out.
    /// </summary>
    [Fact]
    public async Task A_transaction_prepared_during_a_hot_backup_restores_at_its_commit_and_not_before()
    {
        var database = TestDatabases.NewName("prepared");
        var items = _client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "seed"));
        using var session = await _client.StartSessionAsync();
        session.StartTransaction();
        await items.InsertManyAsync(session, [new BsonDocument("_id", "a"), new BsonDocument("_id", "b")]);
        var prepareTimestamp = (await Admin.RunCommandAsync<BsonDocument>(session, new BsonDocument("prepareTransaction", 1)))["prepareTimestamp"].AsBsonTimestamp;
        var gone = _client.GetDatabase(database).GetCollection<BsonDocument>("gone");
        await gone.InsertOneAsync(new BsonDocument("_id", 1));
        await _client.GetDatabase(database).DropCollectionAsync("gone");

        var snapshot = await _scenario.BackUpAsync(database);
        await Admin.RunCommandAsync<BsonDocument>(session, new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", prepareTimestamp } });
        var commit = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        await items.InsertOneAsync(new BsonDocument("_id", "after"));
        await _scenario.SliceAsync();

        Assert.Equal(OplogTimestamp.FromBsonTimestamp(prepareTimestamp), snapshot.OplogStart);
        Assert.Equal(["seed"], await RestoredIdsAsync(database, snapshot.ConsistentAt!.Timestamp));
        Assert.Equal(["seed"], await RestoredIdsAsync(database, new OplogTimestamp(commit.Seconds, commit.Increment - 1)));
        var (ids, collections) = await RestoreAsync(database, commit);
        Assert.Equal(["a", "b", "seed"], ids);
        Assert.Equal(["items"], collections);
    }

    /// <summary>
    /// A transaction in progress (not prepared) while the backup reads: its writes are not committed, so the backup does
    /// not see them (the server isolates them as MongoDB does) and the snapshot holds the documents as committed; the
    /// transaction commits after the backup, in the next slice, and a restore to its commit holds it whole.
    /// </summary>
    [Fact]
    public async Task A_transaction_in_progress_during_a_hot_backup_is_not_in_the_snapshot_and_restores_at_its_commit()
    {
        var database = TestDatabases.NewName("open");
        var items = _client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync([new BsonDocument { { "_id", "seed" }, { "qty", 1 } }, new BsonDocument { { "_id", "gone" }, { "qty", 1 } }]);
        using var session = await _client.StartSessionAsync();
        session.StartTransaction();
        await items.InsertOneAsync(session, new BsonDocument { { "_id", "new" }, { "qty", 1 } });
        await items.UpdateOneAsync(session, new BsonDocument("_id", "seed"), new BsonDocument("$set", new BsonDocument("qty", 2)));
        await items.DeleteOneAsync(session, new BsonDocument("_id", "gone"));

        var snapshot = await _scenario.BackUpAsync(database);
        await session.CommitTransactionAsync();
        var commit = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        await _scenario.SliceAsync();

        Assert.Equal(2, snapshot.Namespaces.Single(n => n.Collection == "items").Documents);
        Assert.Equal(["gone", "seed"], await RestoredIdsAsync(database, snapshot.ConsistentAt!.Timestamp));
        Assert.Equal(["new", "seed"], await RestoredIdsAsync(database, commit));
    }

    /// <summary>
    /// 1,200 inserts of 16 KB in one transaction: over 16 MB, the server writes them as a partialTxn chain. A moment
    /// between its first entry and its commit restores none of it; its commit, all of it.
    /// </summary>
    [Fact]
    public async Task A_cut_inside_a_partialTxn_chain_the_server_wrote_restores_none_of_it_and_its_commit_all_of_it()
    {
        var database = TestDatabases.NewName("chain");
        var items = _client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "seed"));
        await _scenario.BackUpAsync(database);
        var padding = new string('x', 16 * 1024);
        using (var session = await _client.StartSessionAsync())
        {
            session.StartTransaction();
            await items.InsertManyAsync(session, Enumerable.Range(0, 1_200).Select(i => new BsonDocument { { "_id", $"t{i:D4}" }, { "pad", padding } }));
            await session.CommitTransactionAsync();
        }
        await _scenario.SliceAsync();
        var chain = await _client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "op", "c" }, { "o.applyOps.ns", $"{database}.items" } }).Sort(new BsonDocument("$natural", 1)).ToListAsync();

        Assert.True(chain.Count >= 2, $"the transaction took {chain.Count} oplog entries");
        Assert.All(chain.SkipLast(1), e => Assert.True(e["o"]["partialTxn"].AsBoolean));
        Assert.Equal(1_200, chain[^1]["o"]["count"].ToInt32());
        var first = OplogTimestamp.FromBsonTimestamp(chain[0]["ts"].AsBsonTimestamp);
        var last = OplogTimestamp.FromBsonTimestamp(chain[^1]["ts"].AsBsonTimestamp);
        Assert.Equal(["seed"], await RestoredIdsAsync(database, first));
        Assert.Equal(["seed"], await RestoredIdsAsync(database, new OplogTimestamp(last.Seconds, last.Increment - 1)));
        Assert.Equal(1_201, (await RestoredIdsAsync(database, last)).Count);
    }

    /// <summary>
    /// A unique index built while the backup reads (after the listing, on a collection with documents: the server logs
    /// startIndexBuild and commitIndexBuild) is in the restore, built after the replay, with every document. The
    /// duplicates the collection held before the backup began were removed before the build.
    /// </summary>
    [Fact]
    public async Task A_unique_index_built_during_a_hot_backup_restores_whole()
    {
        var database = TestDatabases.NewName("unique");
        var items = _client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync([new BsonDocument { { "_id", 1 }, { "k", 1 } }, new BsonDocument { { "_id", 2 }, { "k", 1 } }, new BsonDocument { { "_id", 3 }, { "k", 3 } }]);

        var snapshot = await _scenario.BackUpAsync(database, catalogListed: async ct =>
        {
            await items.DeleteOneAsync(new BsonDocument("_id", 2), ct);
            await items.InsertOneAsync(new BsonDocument { { "_id", 4 }, { "k", 4 } }, cancellationToken: ct);
            await items.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("k", 1), new CreateIndexOptions { Unique = true, Name = "k_1" }), cancellationToken: ct);
        });
        var commands = await _client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "op", "c" }, { "ns", $"{database}.$cmd" } }).ToListAsync();
        var target = TestDatabases.NewName("unique_r");
        var outcome = await _scenario.RestoreToAsync(snapshot.ConsistentAt!.Timestamp, database, target);

        Assert.Contains(commands, c => c["o"].AsBsonDocument.Contains("startIndexBuild"));
        Assert.Contains(commands, c => c["o"].AsBsonDocument.Contains("commitIndexBuild"));
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var restored = _client.GetDatabase(target).GetCollection<BsonDocument>("items");
        Assert.Equal([1, 3, 4], (await restored.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d["_id"].AsInt32));
        var index = (await (await restored.Indexes.ListAsync()).ToListAsync()).Single(i => i["name"] == "k_1");
        Assert.True(index["unique"].AsBoolean);
    }

    /// <summary>
    /// On a collection with a default collation (English, strength 2: "a" equals "A"), an index asked for with the
    /// simple collation is stored and logged without one (createIndexes on an empty collection, commitIndexBuild on
    /// one with documents). Built after the replay without saying so, it would inherit the collection's collation and
    /// a unique one would refuse "a" beside "A"; it is built with {locale: "simple"}, as it was on the source.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_index_logged_without_collation_on_a_collection_with_one_is_built_simple(bool withDocuments)
    {
        var database = TestDatabases.NewName("collation");
        var db = _client.GetDatabase(database);
        await db.CreateCollectionAsync("names", new CreateCollectionOptions { Collation = new Collation("en", strength: CollationStrength.Secondary) });
        var names = db.GetCollection<BsonDocument>("names");
        if (withDocuments) await names.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "name", "a" } });
        await _scenario.BackUpAsync(database);
        await names.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1),
            new CreateIndexOptions { Unique = true, Name = "name_1", Collation = Collation.Simple }));
        if (!withDocuments) await names.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "name", "a" } });
        await names.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "name", "A" } });
        var slice = await _scenario.SliceAsync();
        var build = await _client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "op", "c" }, { "ns", $"{database}.$cmd" }, { withDocuments ? "o.commitIndexBuild" : "o.createIndexes", "names" } }).SingleAsync();
        var target = TestDatabases.NewName("collation_r");
        var outcome = await _scenario.RestoreToAsync(slice.OplogEnd!.Value, database, target);

        Assert.False((withDocuments ? build["o"]["indexes"][0] : build["o"]).AsBsonDocument.Contains("collation"));
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var restored = _client.GetDatabase(target).GetCollection<BsonDocument>("names");
        Assert.Equal(2, await restored.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var index = (await (await restored.Indexes.ListAsync()).ToListAsync()).Single(i => i["name"] == "name_1");
        Assert.False(index.Contains("collation"), index.ToJson()); // listIndexes shows a simple collation as none
        Assert.True(index["unique"].AsBoolean);
    }

    private async Task<(List<string> Ids, List<string> Collections)> RestoreAsync(string database, OplogTimestamp at)
    {
        var target = TestDatabases.NewName("r");
        var outcome = await _scenario.RestoreToAsync(at, database, target);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var ids = await _client.GetDatabase(target).GetCollection<BsonDocument>("items")
            .Find(FilterDefinition<BsonDocument>.Empty).Project(new BsonDocument("_id", 1)).ToListAsync();
        var collections = await (await _client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync();
        return (ids.Select(d => d["_id"].AsString).Order(StringComparer.Ordinal).ToList(), collections.Order(StringComparer.Ordinal).ToList());
    }

    private async Task<List<string>> RestoredIdsAsync(string database, OplogTimestamp at) => (await RestoreAsync(database, at)).Ids;
}
