using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Orphans: the documents a chunk migration leaves on its donor until the range deleter runs (orphanCleanupDelaySecs,
/// 900 s by default, after the commit). A backup reads each shard directly and so copies them; the restore of the cluster
/// snapshot keeps only each chunk's owner's copy at the cut, for range and hashed shard keys.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class OrphanTests(MongoServerFixture server)
{
    [Fact]
    public async Task Orphans_a_migration_left_on_its_donor_are_not_restored_and_the_owners_newer_copy_is()
    {
        using var cluster = new TwoShardCluster();
        // The setup moved [2500, MaxKey) to shard1; shard0 still holds it. Change moved documents on their new owner.
        await cluster.Orders.UpdateManyAsync(new BsonDocument("_id", new BsonDocument("$in", new BsonArray { 2500, 2600, 4999 })),
            new BsonDocument("$set", new BsonDocument("qty", 5)));
        await cluster.Orders.DeleteOneAsync(new BsonDocument("_id", 3000));
        var onDonor = await cluster.Shard(0).GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(new BsonDocument());
        Assert.Equal(TwoShardCluster.InitialOrders, onDonor); // the orphans are there to be copied

        var restored = await BackUpAndRestoreAsync(cluster, "orders", server);

        var expected = await cluster.Orders.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(TwoShardCluster.InitialOrders - 1, expected.Count);
        Assert.Equal(expected, restored);
        Assert.Equal(5, restored.Single(d => d["_id"] == 4999)["qty"].AsInt32);
    }

    [Fact]
    public async Task Orphans_of_a_hashed_shard_key_are_recognised_by_the_hash_of_their_key()
    {
        using var cluster = new TwoShardCluster();
        var events = cluster.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("events");
        await events.InsertManyAsync(Enumerable.Range(0, 400).Select(i => new BsonDocument { { "_id", $"e{i}" }, { "n", i } }));
        await events.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("_id", "hashed")));
        cluster.RunAdmin(new BsonDocument { { "shardCollection", "shop.events" }, { "key", new BsonDocument("_id", "hashed") } });
        cluster.RunAdmin(new BsonDocument { { "split", "shop.events" }, { "middle", new BsonDocument("_id", 0L) } });
        cluster.RunAdmin(new BsonDocument
        {
            { "moveChunk", "shop.events" }, { "bounds", new BsonArray { new BsonDocument("_id", 0L), new BsonDocument("_id", BsonMaxKey.Value) } }, { "to", "shard1" },
        });
        var moved = (await cluster.Shard(1).GetDatabase("shop").GetCollection<BsonDocument>("events").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .Select(d => d["_id"].AsString).ToList();
        Assert.InRange(moved.Count, 100, 300); // about half went, and stayed on shard0 as orphans
        Assert.Equal(400, await cluster.Shard(0).GetDatabase("shop").GetCollection<BsonDocument>("events").CountDocumentsAsync(new BsonDocument()));
        foreach (var id in moved.Take(20)) await events.UpdateOneAsync(new BsonDocument("_id", id), new BsonDocument("$set", new BsonDocument("n", -1)));

        var restored = await BackUpAndRestoreAsync(cluster, "events", server);

        var expected = await events.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(400, expected.Count);
        Assert.Equal(expected, restored);
        Assert.Equal(20, restored.Count(d => d["n"] == -1));
    }

    private static async Task<List<BsonDocument>> BackUpAndRestoreAsync(TwoShardCluster cluster, string collection, MongoServerFixture server)
    {
        var manifest = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        return await cluster.RestoredAsync(server, manifest.Id, collection);
    }
}
