using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A shard's oplog names a sharded collection's documents by shard key and _id (o2 of updates, o of deletes); the
/// replay into a replica set, under another database name, still updates and deletes exactly the documents they name,
/// also one the copy no longer held (an update replayed as an upsert, then its delete) under a dotted shard key.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DocumentKeyReplayTests(MongoServerFixture server)
{
    [Fact]
    public async Task Updates_and_deletes_named_by_a_dotted_shard_key_replay_onto_the_renamed_documents()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument { { "shardCollection", "shop.parcels" }, { "key", new BsonDocument { { "dest.zip", 1 }, { "_id", 1 } } } });
        var parcels = cluster.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("parcels");
        await parcels.InsertManyAsync(Enumerable.Range(0, 200).Select(i => new BsonDocument { { "_id", i }, { "dest", new BsonDocument("zip", 1000 + i) }, { "n", 0 } }));
        var hook = new DuringBackupHook(() =>
        {
            for (var i = 0; i < 200; i += 3)
            {
                var key = new BsonDocument { { "_id", i }, { "dest.zip", 1000 + i } };
                parcels.UpdateOne(key, new BsonDocument("$set", new BsonDocument("n", 1)));
                if (i % 2 == 0) parcels.DeleteOne(key);
            }
        });

        var manifest = await new FullBackup(hook).RunAsync(cluster.Backup(), CancellationToken.None);
        Assert.True(hook.Ran);
        var entries = cluster.Shard(0).GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "ns", "shop.parcels" }, { "op", "d" } }).ToList();
        Assert.Equal(new BsonDocument { { "dest.zip", 1000 }, { "_id", 0 } }, entries[0]["o"]); // the form the replay meets

        var restored = await cluster.RestoredAsync(server, manifest.Id, "parcels");
        var expected = await parcels.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(200 - 34, expected.Count);
        Assert.Equal(expected, restored);
    }
}
