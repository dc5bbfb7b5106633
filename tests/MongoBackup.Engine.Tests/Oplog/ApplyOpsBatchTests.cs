using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>An applyOps batch measures its command exactly and never grows past what MongoDB takes.</summary>
public sealed class ApplyOpsBatchTests
{
    private static ApplyOpsBatch.Item Insert(int id, int padding)
    {
        var operation = new BsonDocument { { "op", "i" }, { "ns", "shop.items" }, { "o", new BsonDocument { { "_id", id }, { "pad", new string('x', padding) } } } };
        return new ApplyOpsBatch.Item(operation, operation.ToBson().Length, 1, 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(101)]
    [InlineData(1000)]
    public void The_size_it_counts_is_the_size_of_the_command_it_makes(int operations)
    {
        var batch = new ApplyOpsBatch();
        for (var i = 0; i < operations; i++) batch.Add(Insert(i, i % 7 * 10));

        Assert.Equal(ApplyOpsBatch.Command(batch.Items).ToBson().Length, batch.Bytes);
    }

    [Fact]
    public void An_operation_that_would_take_the_command_past_16_MiB_waits_for_the_next_batch()
    {
        var batch = new ApplyOpsBatch();
        batch.Add(Insert(0, 15 * 512 * 1024));

        Assert.False(batch.CanTake(Insert(1, 9 * 1024 * 1024).Bytes));
        Assert.True(batch.CanTake(Insert(1, 512 * 1024).Bytes));
    }

    [Fact]
    public void An_operation_too_large_to_share_a_command_is_taken_alone()
    {
        var batch = new ApplyOpsBatch();
        var huge = Insert(0, 16 * 1024 * 1024 - 40);

        Assert.True(batch.CanTake(huge.Bytes));
        batch.Add(huge);
        Assert.False(batch.CanTake(Insert(1, 1).Bytes));
        Assert.True(batch.Bytes <= ApplyOpsBatch.CommandLimit);
    }

    [Fact]
    public void A_batch_holds_at_most_1000_operations()
    {
        var batch = new ApplyOpsBatch();
        for (var i = 0; i < ApplyOpsBatch.MaxOperations; i++) batch.Add(Insert(i, 1));

        Assert.True(batch.IsFull);
        Assert.False(batch.CanTake(10));
        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.Equal(ApplyOpsBatch.Command([]).ToBson().Length, batch.Bytes);
    }
}
