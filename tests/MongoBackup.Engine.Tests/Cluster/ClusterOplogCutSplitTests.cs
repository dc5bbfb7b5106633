using MongoBackup.Engine.Cluster;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster's merged oplog split at a snapshot's cut, as a point-in-time restore replays it: a cross-shard transaction
/// prepared on every shard before the cut and committed after it is in neither shard's part before the cut, and comes
/// out whole after it; nothing is lost or repeated at the boundary.
/// </summary>
public sealed class ClusterOplogCutSplitTests
{
    [Fact]
    public async Task A_transaction_prepared_before_the_cut_and_committed_after_it_comes_out_whole_in_the_part_after_the_cut()
    {
        using var cluster = new TwoShardCluster();
        cluster.CrossShardTransaction(-5, 5_005, qty: 1);
        var shards = new[] { ClusterOplogMergeTests.OplogOf(cluster, 0), ClusterOplogMergeTests.OplogOf(cluster, 1) };
        var entries = shards.SelectMany(s => s).Select(ClusterOplogMergeTests.Parse).ToList();
        // The cut after both shards prepared it and before either committed it.
        var cut = entries.Where(e => e["o"].AsBsonDocument.GetValue("prepare", false).ToBoolean()).Select(Ts).Max();
        Assert.All(entries.Where(e => e["o"].AsBsonDocument.Contains("commitTransaction")), e => Assert.True(Ts(e) > cut));
        var whole = await ClusterOplogMergeTests.MergeAsync(shards);

        await using var split = new OplogCutSplit(ClusterOplogMerge.MergeAsync(shards.Select(s => s.ToAsyncEnumerable()).ToList(), CancellationToken.None), cut, CancellationToken.None);
        var before = await Parsed(split.BeforeCut());
        var after = await Parsed(split.AfterCut());

        Assert.All(before, e => Assert.True(Ts(e) <= cut));
        Assert.DoesNotContain(before, e => ClusterOplogMergeTests.InsertedIds(e).Contains(-5) || ClusterOplogMergeTests.InsertedIds(e).Contains(5_005));
        var transaction = Assert.Single(after, e => ClusterOplogMergeTests.InsertedIds(e).Contains(-5));
        Assert.Equal([-5, 5_005], ClusterOplogMergeTests.InsertedIds(transaction).Order());
        Assert.Equal(whole.Select(e => e["ts"]), before.Concat(after).Select(e => e["ts"]));
    }

    private static OplogTimestamp Ts(BsonDocument entry) => OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);

    private static async Task<List<BsonDocument>> Parsed(IAsyncEnumerable<byte[]> entries)
    {
        var list = new List<BsonDocument>();
        await foreach (var raw in entries) list.Add(ClusterOplogMergeTests.Parse(raw));
        return list;
    }
}
