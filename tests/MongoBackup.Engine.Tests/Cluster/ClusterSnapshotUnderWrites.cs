using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster snapshot of <see cref="TwoShardCluster"/> taken while both shards take writes: shop.orders sharded over
/// both, crm.customers unsharded on shard1 (its primary), and during the copy an update, an insert and a delete on each
/// shard and a transaction inserting on both, so every shard's saved oplog holds entries. <see cref="FinalOrders"/> is
/// shop.orders at the cut: every write above was made before it.
/// </summary>
internal sealed class ClusterSnapshotUnderWrites : IDisposable
{
    public const int Customers = 40;

    /// <summary>
    /// shard0's copies of the orders TwoShardCluster moved to shard1 ([2500, 5000)): the donor keeps them until its range
    /// deleter runs, so the backup copies them and a restore leaves them out.
    /// </summary>
    public const int MigrationOrphans = TwoShardCluster.InitialOrders / 2;

    private ClusterSnapshotUnderWrites(TwoShardCluster cluster, SnapshotManifest manifest) => (Cluster, Manifest) = (cluster, manifest);

    public TwoShardCluster Cluster { get; }
    public SnapshotManifest Manifest { get; }

    /// <summary>shop.orders at the cut, _id to qty.</summary>
    public Dictionary<int, int> FinalOrders { get; } = Enumerable.Range(0, TwoShardCluster.InitialOrders).ToDictionary(i => i, _ => 0);

    public static async Task<ClusterSnapshotUnderWrites> TakeAsync(Compression compression = Compression.Gzip)
    {
        var cluster = new TwoShardCluster();
        try
        {
            cluster.RunAdmin(new BsonDocument { { "enableSharding", "crm" }, { "primaryShard", "shard1" } });
            await cluster.Mongos.GetDatabase("crm").GetCollection<BsonDocument>("customers")
                .InsertManyAsync(Enumerable.Range(0, Customers).Select(i => new BsonDocument { { "_id", i }, { "name", $"c{i}" } }));
            var hook = new DuringBackupHook(() => WriteOnBothShards(cluster.Orders));
            var request = cluster.Backup() with { Filter = NamespaceFilter.Everything, Compression = compression };
            var manifest = await new FullBackup(hook).RunAsync(request, CancellationToken.None);
            Assert.True(hook.Ran);
            Assert.All(manifest.Cluster!.Shards, s => Assert.True(s.OplogEntries > 0, $"{s.Name} saved no oplog entry"));
            var taken = new ClusterSnapshotUnderWrites(cluster, manifest);
            foreach (var (id, qty) in new[] { (10, 5), (3_000, 5), (-5, 1), (6_000, 1), (-1, 7), (1_000_000, 7) }) taken.FinalOrders[id] = qty;
            taken.FinalOrders.Remove(20);
            taken.FinalOrders.Remove(2_600);
            return taken;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>shop.orders as a collection of <paramref name="client"/>'s, _id to qty.</summary>
    public static async Task<Dictionary<int, int>> OrdersIn(IMongoClient client, string database)
    {
        var all = await client.GetDatabase(database).GetCollection<BsonDocument>("orders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        return all.ToDictionary(d => d["_id"].AsInt32, d => d["qty"].AsInt32);
    }

    private static void WriteOnBothShards(IMongoCollection<BsonDocument> orders)
    {
        orders.UpdateOne(new BsonDocument("_id", 10), new BsonDocument("$set", new BsonDocument("qty", 5)));
        orders.UpdateOne(new BsonDocument("_id", 3_000), new BsonDocument("$set", new BsonDocument("qty", 5)));
        orders.InsertOne(new BsonDocument { { "_id", -5 }, { "qty", 1 } });
        orders.InsertOne(new BsonDocument { { "_id", 6_000 }, { "qty", 1 } });
        orders.DeleteOne(new BsonDocument("_id", 20));
        orders.DeleteOne(new BsonDocument("_id", 2_600));
        using var session = orders.Database.Client.StartSession();
        session.StartTransaction();
        orders.InsertOne(session, new BsonDocument { { "_id", -1 }, { "qty", 7 } });
        orders.InsertOne(session, new BsonDocument { { "_id", 1_000_000 }, { "qty", 7 } });
        session.CommitTransaction();
    }

    public void Dispose() => Cluster.Dispose();
}
