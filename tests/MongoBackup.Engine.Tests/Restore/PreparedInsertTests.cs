using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// A batch's commands built before they are sent, and its documents as they lie inside them: what the refusals and the
/// resumed-target check read once the blocks the batch came from are back in the pool.
/// </summary>
public sealed class PreparedInsertTests
{
    [Fact]
    public void The_documents_are_the_copies_inside_the_commands_byte_for_byte_and_outlive_their_source()
    {
        var source = Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "v", new string('b', i * 3) } }.ToBson()).ToList();
        var expected = source.Select(d => d.ToArray()).ToList();

        using var insert = PreparedInsert.Build("items", null, null, source.Select(d => (ReadOnlyMemory<byte>)d).ToList());
        foreach (var document in source) Array.Clear(document); // the blocks reused for other data

        Assert.Equal(expected, insert.Documents.Select(d => d.ToArray()));
        var command = Assert.Single(insert.Commands);
        Assert.Equal(expected, command.Document()["documents"].AsBsonArray.Select(d => d.AsBsonDocument.ToBson()));
        Assert.Empty(insert.Oversized);
    }

    [Fact]
    public void A_document_too_large_for_a_command_is_kept_as_a_copy_of_its_own()
    {
        var small = new BsonDocument("_id", 1).ToBson();
        var largest = new BsonDocument { { "_id", 2 }, { "pad", new string('x', 16 * 1024 * 1024 - 30) } }.ToBson();
        var source = new List<ReadOnlyMemory<byte>> { small, largest.ToArray(), small };

        using var insert = PreparedInsert.Build("items", null, null, source);

        Assert.Equal([1], insert.Oversized);
        Assert.Equal(largest, insert.Documents[1].ToArray());
        Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(source[1], out var original) &&
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(insert.Documents[1], out var kept) && ReferenceEquals(original.Array, kept.Array));
        Assert.Equal([(0, 1), (2, 1)], insert.Commands.Select(c => (c.First, c.Count)));
    }

    [Fact]
    public void A_batch_within_the_allowances_makes_a_command_no_larger_than_the_batch_bytes()
    {
        // What DocumentInserter relies on to cut batches: documents + their index names + the header fit the allowances,
        // so a command of a batch cut at 4 MiB fills a pooled buffer of 4 MiB, not 8.
        const int batchBytes = 4 * 1024 * 1024;
        var random = new Random(3);
        var documents = new List<ReadOnlyMemory<byte>>();
        long bytes = 0;
        while (true)
        {
            var next = new BsonDocument { { "_id", documents.Count }, { "pad", new string('c', random.Next(10, 400)) } }.ToBson();
            if (bytes + next.Length + (documents.Count + 1L) * RawInsertCommand.PerDocumentOverhead + RawInsertCommand.HeaderAllowance > batchBytes) break;
            documents.Add(next);
            bytes += next.Length;
        }
        var concern = new BsonDocument { { "w", "majority" }, { "wtimeout", 5000 }, { "j", true } }.ToBson();
        var name = new string('n', 255);

        using var insert = PreparedInsert.Build(name, concern, () => 1, documents);

        var command = Assert.Single(insert.Commands);
        Assert.True(command.Length <= batchBytes, $"{command.Length} bytes");
        Assert.Equal(documents.Count, command.Count);
    }
}
