using MongoBackup.Engine.Cluster;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster's merged oplog split at a snapshot's cut, as a point-in-time restore replays it: a cross-shard transaction
/// committed after the cut (its commitTimestamp, the greatest prepareTimestamp, after it) is in neither shard's part
/// before the cut, and comes out whole after it; one committed at the cut, whose commit entries come after it, is in
/// the part before it, in its commitTimestamp's place; nothing is lost or repeated at the boundary.
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
        // The cut after the first shard prepared it and just before the last prepare, whose ts is the commitTimestamp.
        var prepares = entries.Where(e => e["o"].AsBsonDocument.GetValue("prepare", false).ToBoolean()).Select(Ts).Order().ToList();
        var cut = new OplogTimestamp(prepares[1].Seconds, prepares[1].Increment - 1);
        Assert.True(prepares[0] <= cut);
        Assert.All(entries.Where(e => e["o"].AsBsonDocument.Contains("commitTransaction")), e => Assert.True(OplogTimestamp.FromBsonTimestamp(e["o"]["commitTimestamp"].AsBsonTimestamp) > cut));
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

    [Fact]
    public async Task A_transaction_committed_at_the_cut_whose_commit_entries_come_after_it_is_in_the_part_before_the_cut_in_its_place()
    {
        using var cluster = new TwoShardCluster();
        cluster.CrossShardTransaction(-5, 5_005, qty: 1);
        cluster.Orders.InsertOne(new BsonDocument { { "_id", -6 }, { "qty", 1 } }); // after the commit, on shard0
        var shards = new[] { ClusterOplogMergeTests.OplogOf(cluster, 0), ClusterOplogMergeTests.OplogOf(cluster, 1) };
        var entries = shards.SelectMany(s => s).Select(ClusterOplogMergeTests.Parse).ToList();
        var commits = entries.Where(e => e["o"].AsBsonDocument.Contains("commitTransaction")).ToList();
        var cut = OplogTimestamp.FromBsonTimestamp(commits[0]["o"]["commitTimestamp"].AsBsonTimestamp);
        Assert.All(commits, e => Assert.True(Ts(e) > cut)); // every commit entry after the cut

        await using var split = new OplogCutSplit(ClusterOplogMerge.MergeAsync(shards.Select(s => s.ToAsyncEnumerable()).ToList(), CancellationToken.None), cut, CancellationToken.None);
        var before = await Parsed(split.BeforeCut());
        var after = await Parsed(split.AfterCut());

        var transaction = Assert.Single(before, e => ClusterOplogMergeTests.InsertedIds(e).Contains(-5));
        Assert.Equal([-5, 5_005], ClusterOplogMergeTests.InsertedIds(transaction).Order());
        Assert.Equal(cut, Ts(transaction));
        Assert.Same(transaction, before[^1]); // nothing read after its commitTimestamp comes before it
        Assert.Contains(after, e => ClusterOplogMergeTests.InsertedIds(e).Contains(-6));
        var all = before.Concat(after).Select(Ts).ToList();
        Assert.Equal(all.Order(), all); // in timestamp order across the boundary
    }

    private static OplogTimestamp Ts(BsonDocument entry) => OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);

    private static async Task<List<BsonDocument>> Parsed(IAsyncEnumerable<byte[]> entries)
    {
        var list = new List<BsonDocument>();
        await foreach (var raw in entries) list.Add(ClusterOplogMergeTests.Parse(raw));
        return list;
    }
}
