using MongoBackup.Engine.Cluster;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// The shards' oplogs as one replay reads them, from what the sharded test server writes: a cross-shard transaction
/// whole at its commitTimestamp once every shard committed it, or absent when a shard that prepared it has no commit up to the cut; migrations' copies left out.
/// </summary>
public sealed class ClusterOplogMergeTests
{
    [Fact]
    public async Task A_shards_own_admin_and_config_writes_are_left_out_and_a_transaction_logged_under_admin_stays()
    {
        using var cluster = new TwoShardCluster();
        // Straight on shard0: its own admin (not the cluster's, which is on the config servers) and its routing cache.
        var shard = cluster.Shard(0);
        await shard.GetDatabase("admin").GetCollection<BsonDocument>("local_notes").InsertOneAsync(new BsonDocument("_id", "shard-only"));
        await shard.GetDatabase("config").GetCollection<BsonDocument>("cache.scratch").InsertOneAsync(new BsonDocument("_id", 1));
        cluster.CrossShardTransaction(-7, 7_007, qty: 3);
        var shard0 = OplogOf(cluster, 0);
        Assert.Contains(shard0, e => Parse(e).GetValue("ns", "").AsString == "admin.local_notes");

        var merged = await MergeAsync([shard0, OplogOf(cluster, 1)]);
        Assert.DoesNotContain(merged, e => e.GetValue("ns", "").AsString is "admin.local_notes" or "config.cache.scratch");
        Assert.DoesNotContain(merged, e => e["o"].AsBsonDocument.GetValue("create", "").ToString() is "local_notes" or "cache.scratch");
        Assert.Equal([-7, 7_007], InsertedIds(Assert.Single(merged, e => InsertedIds(e).Contains(-7))).Order());
    }

    [Fact]
    public async Task A_cross_shard_transaction_comes_out_whole_once_every_shard_committed_it_and_not_at_all_when_one_has_not_by_the_cut()
    {
        using var cluster = new TwoShardCluster();
        using (var session = cluster.Mongos.StartSession())
        {
            session.StartTransaction();
            cluster.Orders.InsertOne(session, new BsonDocument { { "_id", -5 }, { "qty", 1 } });
            cluster.Orders.InsertOne(session, new BsonDocument { { "_id", 5_005 }, { "qty", 1 } });
            session.CommitTransaction();
        }
        var shard0 = OplogOf(cluster, 0);
        var shard1 = OplogOf(cluster, 1);
        var commit1 = shard1.FindIndex(e => Parse(e)["o"].AsBsonDocument.Contains("commitTransaction"));
        Assert.True(commit1 > 0);
        Assert.Contains(shard0.Concat(shard1), e => Parse(e).GetValue("fromMigrate", false).ToBoolean()); // the setup's moveChunk

        var whole = await MergeAsync([shard0, shard1]);
        var transaction = Assert.Single(whole, e => InsertedIds(e).Contains(-5));
        Assert.Equal([-5, 5_005], InsertedIds(transaction).Order());
        // In the place of its commitTimestamp, where MongoDB makes it visible, not of its last commit entry (shard1's, after shard0's).
        Assert.Equal(Parse(shard1[commit1])["o"]["commitTimestamp"], transaction["ts"]);
        Assert.DoesNotContain(whole, e => e["o"].AsBsonDocument.Contains("commitTransaction") || e["o"].AsBsonDocument.GetValue("prepare", false).ToBoolean());
        Assert.DoesNotContain(whole, e => e.GetValue("fromMigrate", false).ToBoolean());

        // The cut falls between the two commits: shard1 has prepared it and not committed it yet.
        var cutShort = await MergeAsync([shard0, shard1.Take(commit1).ToList()]);
        Assert.DoesNotContain(cutShort, e => InsertedIds(e).Contains(-5) || InsertedIds(e).Contains(5_005));
        Assert.Equal(whole.Count - 1 - (shard1.Count - commit1 - 1), cutShort.Count);
    }

    /// <summary>
    /// convertToCapped on a shard logs its temporary copy's inserts with fromMigrate: true (capped_utils.cpp), yet they are
    /// no migration's: the merge keeps them, so a replay gives the converted collection its documents, while the
    /// moveChunk copies of the same oplogs stay out.
    /// </summary>
    [Fact]
    public async Task A_convertToCapped_copys_inserts_are_kept_though_logged_fromMigrate_and_migration_copies_are_not()
    {
        using var cluster = new TwoShardCluster();
        var db = cluster.Shard(0).GetDatabase("conv");
        await db.GetCollection<BsonDocument>("log").InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{convertToCapped: 'log', size: 4096}"));
        var shard0 = OplogOf(cluster, 0);
        var copies = shard0.Select(Parse).Where(e => e["op"] == "i" && e["ns"].AsString.StartsWith("conv.tmp", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, copies.Count);
        Assert.All(copies, e => Assert.True(e["fromMigrate"].AsBoolean));

        var merged = await MergeAsync([shard0, OplogOf(cluster, 1)]);

        Assert.Equal([1, 2, 3], merged.Where(e => e["op"] == "i" && e["ns"].AsString.StartsWith("conv.tmp", StringComparison.Ordinal)).Select(e => e["o"]["_id"].AsInt32));
        Assert.Contains(merged, e => e["op"] == "c" && e["o"].AsBsonDocument.GetValue("renameCollection", "") == copies[0]["ns"]);
        Assert.DoesNotContain(merged, e => e.GetValue("fromMigrate", false).ToBoolean() && !e["ns"].AsString.StartsWith("conv.tmp", StringComparison.Ordinal));
    }

    internal static List<byte[]> OplogOf(TwoShardCluster cluster, int shard) =>
        cluster.Shard(shard).GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("$natural", 1)).ToList()
            .Select(d => d.ToBson()).ToList();

    internal static async Task<List<BsonDocument>> MergeAsync(IReadOnlyList<List<byte[]>> shards)
    {
        var merged = new List<BsonDocument>();
        await foreach (var raw in ClusterOplogMerge.MergeAsync(shards.Select(s => s.ToAsyncEnumerable()).ToList(), CancellationToken.None))
            merged.Add(Parse(raw));
        return merged;
    }

    internal static BsonDocument Parse(byte[] raw) => BsonSerializer.Deserialize<BsonDocument>(raw);

    /// <summary>The shop.orders ids an entry inserts, itself or in its applyOps.</summary>
    internal static List<int> InsertedIds(BsonDocument entry)
    {
        var operations = entry["op"] == "c" && entry["o"].AsBsonDocument.TryGetValue("applyOps", out var ops)
            ? ops.AsBsonArray.Select(o => o.AsBsonDocument) : [entry];
        return operations.Where(o => o["op"] == "i" && o.GetValue("ns", "") == "shop.orders").Select(o => o["o"]["_id"].AsInt32).ToList();
    }
}
