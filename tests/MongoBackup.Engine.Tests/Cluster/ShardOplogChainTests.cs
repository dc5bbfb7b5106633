using MongoBackup.Engine.Cluster;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// One shard's saved files read as one stream: a file holds its entries up to its cut, then the late commit entries past
/// it, which the next file holds again in their place; the entries between a cut and a late commit are kept, each entry once.
/// </summary>
public sealed class ShardOplogChainTests
{
    [Fact]
    public void Entries_between_a_cut_and_a_late_commit_are_kept_and_the_late_commit_comes_once_in_its_place()
    {
        var chain = new ShardOplogChain();
        var given = new List<uint>();
        void Read(OplogTimestamp cut, params uint[] file)
        {
            foreach (var i in file) given.AddRange(chain.Take(Entry(i), cut).Select(Increment));
        }
        Read(new OplogTimestamp(100, 10), 5, 8, 10, 14);   // the snapshot: up to its cut 10, then a late commit at 14
        Read(new OplogTimestamp(100, 20), 11, 12, 14, 18, 23); // the next slice: from after 10, 14 again, a late commit at 23
        given.AddRange(chain.Rest().Select(Increment));

        Assert.Equal([5u, 8, 10, 11, 12, 14, 18, 23], given);
    }

    [Fact]
    public void A_late_commit_no_later_file_reaches_comes_at_the_end()
    {
        var chain = new ShardOplogChain();
        var given = new uint[] { 3, 4, 9 }.SelectMany(i => chain.Take(Entry(i), new OplogTimestamp(100, 4))).Concat(chain.Rest()).Select(Increment);
        Assert.Equal([3u, 4, 9], given);
    }

    private static byte[] Entry(uint increment) => new BsonDocument { { "ts", new BsonTimestamp(100, (int)increment) }, { "op", "n" } }.ToBson();

    private static uint Increment(byte[] entry) => OplogCutSplit.TimestampOf(entry).Increment;
}
