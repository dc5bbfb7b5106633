using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A point-in-time replay through a mongos of a replacement update that changed the document's shard key value (allowed
/// since MongoDB 4.2 for a key other than _id, e.g. an order's region corrected with replaceOne). Where the document stayed
/// on its shard in the source, the oplog holds one 'u' entry: o the whole new document, o2 the document key as the
/// document held it before (the shard key's fields, then _id: op_observer_util.cpp getDocumentKey; the test server's
/// DocumentWriter logs the same). The target cluster's chunks need not be the source's (another number of shards, its own
/// balancer), so there the old and new values may be owned by different shards. The replay sends a replacement as an upsert
/// filtered by _id and the shard key values of the new document (<see cref="MongosReplayTarget"/>), which the target's
/// document, still holding the old value, does not match: the upsert inserts a second document of that _id on the shard
/// owning the new value, silently (on the same shard it is refused, DuplicateKey, and the collection fails there).
/// </summary>
public sealed class ShardKeyChangingReplacementReplayTests
{
    [Fact]
    public async Task A_replacement_that_changed_the_shard_key_value_replaces_the_document_and_never_adds_a_second_of_its_id()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.orders" }, { "key", new BsonDocument("region", 1) } });
        // "eu" on one shard, "us" on the other: the new value is owned by another shard than the document.
        var admin = client.GetDatabase("admin");
        admin.RunCommand<BsonDocument>(new BsonDocument { { "split", "app.orders" }, { "middle", new BsonDocument("region", "m") } });
        admin.RunCommand<BsonDocument>(new BsonDocument { { "moveChunk", "app.orders" }, { "find", new BsonDocument("region", "us") }, { "to", "shard1" } });
        var orders = client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        orders.InsertOne(new BsonDocument { { "_id", 1 }, { "region", "eu" }, { "total", 10 } });

        var replacement = new BsonDocument
        {
            { "op", "u" }, { "ns", "app.orders" }, { "ts", new BsonTimestamp(100, 1) },
            { "o", new BsonDocument { { "_id", 1 }, { "region", "us" }, { "total", 12 } } },
            { "o2", new BsonDocument { { "region", "eu" }, { "_id", 1 } } },
        };
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.orders"] = ["region"] });
        var (_, error) = await target.ApplyAsync([new ApplyOpsBatch.Item(replacement, 0, 1, 0)], CancellationToken.None);

        var held = (await orders.Find(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()).ToList();
        Assert.True(error is null, $"the replacement was refused: {error?.Message}; the cluster holds {string.Join(", ", held)}");
        Assert.Equal(["{ \"_id\" : 1, \"region\" : \"us\", \"total\" : 12 }"], held);
    }
}
