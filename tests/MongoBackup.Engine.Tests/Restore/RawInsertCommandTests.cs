using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// The insert commands a restore sends, written straight from raw documents: the documented insert form, read back by
/// the driver's own BSON reader, cut at maxBsonObjectSize and maxWriteBatchSize, with a txnNumber each when asked.
/// </summary>
public sealed class RawInsertCommandTests
{
    [Fact]
    public void A_command_is_the_insert_form_with_the_documents_byte_for_byte_in_order()
    {
        var documents = Enumerable.Range(0, 12).Select(i => new BsonDocument { { "_id", i }, { "v", new string('a', i) } }.ToBson()).ToList();
        var concern = new BsonDocument("w", "majority").ToBson();

        var commands = RawInsertCommand.Build("items", concern, null, documents.Select(d => (ReadOnlyMemory<byte>)d).ToList(), []);

        var command = Assert.Single(commands);
        var parsed = command.Document().ToBsonDocument().DeepClone().AsBsonDocument;
        Assert.Equal(["insert", "ordered", "bypassDocumentValidation", "writeConcern", "documents"], parsed.Names);
        Assert.Equal(("items", false, true), (parsed["insert"].AsString, parsed["ordered"].AsBoolean, parsed["bypassDocumentValidation"].AsBoolean));
        Assert.Equal(new BsonDocument("w", "majority"), parsed["writeConcern"]);
        Assert.Equal(documents, parsed["documents"].AsBsonArray.Select(d => d.AsBsonDocument.ToBson()));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i.ToString()), ElementNames(command, "documents"));
        Assert.Equal((0, 12), (command.First, command.Count));
        command.Dispose();
    }

    [Fact]
    public void Time_series_buckets_are_inserted_under_the_servers_validation_of_buckets()
    {
        var bucket = new BsonDocument("_id", 1).ToBson();
        var command = Assert.Single(RawInsertCommand.Build("system.buckets.weather", null, () => 7, [bucket], []));
        var parsed = command.Document().ToBsonDocument().DeepClone().AsBsonDocument;
        Assert.Equal(["insert", "ordered", "txnNumber", "documents"], parsed.Names);
        Assert.Equal(7, parsed["txnNumber"].AsInt64);
        command.Dispose();
    }

    [Fact]
    public void Documents_are_cut_into_commands_of_at_most_the_maximum_object_size_each_with_the_next_transaction_number()
    {
        var megabyte = new BsonDocument { { "_id", 0 }, { "pad", new string('x', 1024 * 1024 - 30) } }.ToBson();
        var documents = Enumerable.Repeat((ReadOnlyMemory<byte>)megabyte, 40).ToList();
        long next = 6;

        var commands = RawInsertCommand.Build("items", null, () => next++, documents, []);

        Assert.True(commands.Count is 3, $"{commands.Count} commands");
        Assert.All(commands, c => Assert.True(c.Length <= RawInsertCommand.MaxCommandBytes));
        Assert.Equal(40, commands.Sum(c => c.Count));
        Assert.Equal(commands.Select((c, i) => i == 0 ? 0 : commands.Take(i).Sum(p => p.Count)), commands.Select(c => c.First));
        Assert.Equal([6L, 7L, 8L], commands.Select(c => c.Document()["txnNumber"].AsInt64));
        foreach (var command in commands) command.Dispose();
    }

    [Fact]
    public void A_document_too_large_for_a_command_with_its_header_is_left_out_and_named()
    {
        var small = new BsonDocument("_id", 1).ToBson();
        var largest = new BsonDocument { { "_id", 2 }, { "pad", new string('x', 16 * 1024 * 1024 - 30) } }.ToBson();
        var oversized = new List<int>();

        var commands = RawInsertCommand.Build("items", null, null, [small, largest, small], oversized);

        Assert.Equal([1], oversized);
        Assert.Equal([(0, 1), (2, 1)], commands.Select(c => (c.First, c.Count)));
        foreach (var command in commands) command.Dispose();
    }

    [Fact]
    public void A_command_holds_at_most_the_maximum_write_batch_of_documents()
    {
        var tiny = new BsonDocument("_id", 1).ToBson();
        var commands = RawInsertCommand.Build("items", null, null, Enumerable.Repeat((ReadOnlyMemory<byte>)tiny, RawInsertCommand.MaxDocuments + 5).ToList(), []);

        Assert.Equal([RawInsertCommand.MaxDocuments, 5], commands.Select(c => c.Count));
        foreach (var command in commands) command.Dispose();
    }

    /// <summary>The element names of the command's last element, an array of documents, read from its bytes.</summary>
    private static List<string> ElementNames(RawInsertCommand command, string array)
    {
        var bytes = command.Document().ToBson();
        var marker = System.Text.Encoding.UTF8.GetBytes(array + "\0");
        var at = bytes.AsSpan().IndexOf(marker) + marker.Length + 4;
        var names = new List<string>();
        while (bytes[at] != 0)
        {
            var nameEnd = Array.IndexOf(bytes, (byte)0, at + 1);
            names.Add(System.Text.Encoding.UTF8.GetString(bytes, at + 1, nameEnd - at - 1));
            at = nameEnd + 1 + BitConverter.ToInt32(bytes, nameEnd + 1);
        }
        return names;
    }
}
