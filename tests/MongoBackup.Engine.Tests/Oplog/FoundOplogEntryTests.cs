using MongoBackup.Engine.Oplog;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// What Find-MongoOplogEntry makes of applyOps entries as real servers wrote them: a transaction's operations are
/// InTransaction; a batched write's (MongoDB 8.0's retryable insertMany, multiOpType 1, mongo-tools' 8.0 captures
/// vectored_insert.bson and linked_vectored_inserts.bson) are not, though they share the entry's session fields.
/// </summary>
public class FoundOplogEntryTests
{
    [Theory]
    [InlineData("vectored_insert")]
    [InlineData("linked_vectored_inserts")]
    public void The_inserts_of_an_8_0_batched_insertMany_are_found_one_by_one_and_not_in_a_transaction(string capture)
    {
        var entries = Read(FixturePaths.Get($"mongorestore/testdata/oplogs/bson/{capture}.bson"))
            .Where(e => e.Contains("multiOpType")).ToList();
        Assert.NotEmpty(entries);

        var found = entries.SelectMany(e => FoundOplogEntry.Of(e, "slice")).ToList();

        Assert.Equal(entries.Sum(e => e["o"]["applyOps"].AsBsonArray.Count), found.Count);
        Assert.All(found, f => Assert.Equal("Insert", f.Operation));
        Assert.All(found, f => Assert.False(f.InTransaction));
    }

    [Fact]
    public void The_operations_of_a_transactions_applyOps_entry_are_in_a_transaction()
    {
        var entry = new BsonDocument
        {
            { "lsid", new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard)) }, { "txnNumber", 1L },
            { "op", "c" }, { "ns", "admin.$cmd" },
            { "o", new BsonDocument("applyOps", new BsonArray
            {
                new BsonDocument { { "op", "i" }, { "ns", "shop.orders" }, { "o", new BsonDocument("_id", 1) } },
                new BsonDocument { { "op", "d" }, { "ns", "shop.orders" }, { "o", new BsonDocument("_id", 2) } },
            }) },
            { "ts", new BsonTimestamp(1719861048, 2) }, { "t", 1L },
            { "prevOpTime", new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } } },
        };

        var found = FoundOplogEntry.Of(entry, "slice").ToList();

        Assert.Equal(["Insert", "Delete"], found.Select(f => f.Operation));
        Assert.All(found, f => Assert.True(f.InTransaction));
    }

    [Fact]
    public void The_operations_of_an_applyOps_command_without_a_session_are_not_in_a_transaction()
    {
        var entry = new BsonDocument
        {
            { "op", "c" }, { "ns", "admin.$cmd" },
            { "o", new BsonDocument("applyOps", new BsonArray { new BsonDocument { { "op", "i" }, { "ns", "shop.orders" }, { "o", new BsonDocument("_id", 1) } } }) },
            { "ts", new BsonTimestamp(1719861048, 3) }, { "t", 1L },
        };

        Assert.False(Assert.Single(FoundOplogEntry.Of(entry, "slice")).InTransaction);
    }

    private static List<BsonDocument> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BsonBinaryReader(stream);
        var documents = new List<BsonDocument>();
        while (stream.Position < stream.Length) documents.Add(BsonSerializer.Deserialize<BsonDocument>(reader));
        return documents;
    }
}
