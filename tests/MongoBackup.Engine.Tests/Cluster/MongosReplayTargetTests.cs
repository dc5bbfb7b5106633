using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Replayed operations through a mongos: runs of writes to one collection go as one ordered bulk write, and a write the
/// cluster refuses in the middle of one stops there with the ones before it applied and counted, and the refused one named.
/// </summary>
public sealed class MongosReplayTargetTests
{
    [Fact]
    public async Task A_refused_write_inside_a_run_stops_there_with_the_writes_before_it_applied_and_it_named()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.items" }, { "key", new BsonDocument("code", 1) }, { "unique", true } });
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "code", "a" }, { "n", 0 } });

        static ApplyOpsBatch.Item Item(int ts, BsonDocument operation) =>
            new(operation.Add("ts", new BsonTimestamp(100, ts)), 0, 1, 0);
        var batch = new[]
        {
            Item(1, new BsonDocument { { "op", "u" }, { "ns", "app.items" }, { "o", BsonDocument.Parse("{$v: 2, diff: {u: {n: 5}}}") }, { "o2", new BsonDocument("_id", 1) } }),
            Item(2, new BsonDocument { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", 2 }, { "code", "b" } } } }),
            Item(3, new BsonDocument { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", 3 }, { "code", "c" } } } }),
            Item(4, new BsonDocument { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", 4 }, { "code", "a" } } } }),
            Item(5, new BsonDocument { { "op", "d" }, { "ns", "app.items" }, { "o", new BsonDocument("_id", 2) } }),
        };
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.items"] = ["code"] });
        var (applied, error) = await target.ApplyAsync(batch, CancellationToken.None);

        Assert.Equal(3, applied.Count);
        Assert.NotNull(error);
        Assert.Equal(ErrorIds.OplogReplayFailed, error.ErrorId);
        Assert.Contains("Timestamp(100, 4)", error.Message);
        var documents = await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(["{ \"_id\" : 1, \"code\" : \"a\", \"n\" : 5 }", "{ \"_id\" : 2, \"code\" : \"b\" }", "{ \"_id\" : 3, \"code\" : \"c\" }"],
            documents.Select(d => d.ToJson()));
    }

    [Fact]
    public async Task A_transaction_with_a_refused_write_leaves_none_of_its_writes_and_a_whole_one_commits_all()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.items" }, { "key", new BsonDocument("code", 1) }, { "unique", true } });
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "code", "a" }, { "n", 0 } });
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.items"] = ["code"] });
        static BsonDocument Insert(int id, string code) => new() { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", id }, { "code", code } } }, { "ts", new BsonTimestamp(100, id) } };
        var delta = new BsonDocument { { "op", "u" }, { "ns", "app.items" }, { "o", BsonDocument.Parse("{$v: 2, diff: {u: {n: 5}}}") }, { "o2", new BsonDocument("_id", 1) }, { "ts", new BsonTimestamp(100, 9) } };

        // The second insert repeats code "a" (unique): the transaction is refused whole, the delta and the first insert with it.
        var refused = await target.ApplyTransactionAsync([delta, Insert(2, "b"), Insert(3, "a")], CancellationToken.None);
        Assert.NotNull(refused);
        Assert.Equal(ErrorIds.OplogReplayFailed, refused.ErrorId);
        Assert.Contains("Timestamp(100, 3)", refused.Message);
        Assert.Equal(["{ \"_id\" : 1, \"code\" : \"a\", \"n\" : 0 }"], (await items.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d.ToJson()));

        Assert.Null(await target.ApplyTransactionAsync([delta, Insert(2, "b"), Insert(3, "c")], CancellationToken.None));
        Assert.Equal(["{ \"_id\" : 1, \"code\" : \"a\", \"n\" : 5 }", "{ \"_id\" : 2, \"code\" : \"b\" }", "{ \"_id\" : 3, \"code\" : \"c\" }"],
            (await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()));
    }
}
