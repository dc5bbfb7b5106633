using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// A unique index the oplog creates during a hot dump is built after the replay, like the dump's own indexes: built
/// where its entry lies, it would meet documents the dump read later than that entry and refuse them.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DeferredIndexRestoreTests(MongoServerFixture server)
{
    /// <summary>
    /// Source: {_id: 1, a: 1} and {_id: 2, a: 2}; then a unique index on a (createIndexes, as 8.0 logs it: see
    /// mongorestore/testdata/oplogs/bson/collMod_indexUniqueness.bson), then _id 1 moves to a: 5 and _id 2 to a: 1
    /// ($v:2 diffs). The dump read _id 1 before all that and _id 2 after it: both with a: 1.
    /// </summary>
    [Fact]
    public async Task A_unique_index_created_in_the_oplog_is_built_after_the_replay()
    {
        const string db = "shop";
        BsonDocument[] oplog =
        [
            HandWrittenDump.Entry(1700000001, "c", db + ".$cmd", new BsonDocument { { "createIndexes", "items" }, { "v", 2 }, { "unique", true }, { "key", new BsonDocument("a", 1) }, { "name", "a_1" } }),
            HandWrittenDump.Entry(1700000002, "u", db + ".items", BsonDocument.Parse("{ $v: 2, diff: { u: { a: 5 } } }"), new BsonDocument("_id", 1)),
            HandWrittenDump.Entry(1700000003, "u", db + ".items", BsonDocument.Parse("{ $v: 2, diff: { u: { a: 1 } } }"), new BsonDocument("_id", 2)),
        ];
        using var dump = new HandWrittenDump(db, "items", [BsonDocument.Parse("{ _id: 1, a: 1 }"), BsonDocument.Parse("{ _id: 2, a: 1 }")], oplog);
        var target = TestDatabases.NewName("deferred");

        var outcome = await dump.RestoreAsync(server.ConnectionString, db, target);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var items = server.Client.GetDatabase(target).GetCollection<BsonDocument>("items");
        Assert.Equal(["{ \"_id\" : 1, \"a\" : 5 }", "{ \"_id\" : 2, \"a\" : 1 }"], (await ReplayHarness.DocumentsAsync(server.Client, target + ".items")).Select(d => d.ToJson()));
        var index = Assert.Single(await (await items.Indexes.ListAsync()).ToListAsync(), i => i["name"] == "a_1");
        Assert.True(index["unique"].ToBoolean());
    }
}
