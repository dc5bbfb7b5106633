using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// An oplog form a replay truly cannot apply stops it: every entry before it is applied and counted, nothing after it
/// is, and the error names the form and its timestamp.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class UnreplayableFormTests(MongoServerFixture server)
{
    private static BsonDocument Insert(string db, int id, uint second) => new()
    {
        { "op", "i" }, { "ns", db + ".items" }, { "o", new BsonDocument("_id", id) },
        { "ts", new BsonTimestamp((int)second, 1) }, { "t", 1L }, { "wall", new BsonDateTime(DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime) },
    };

    /// <summary>
    /// importCollection (MongoDB 5.0+, src/mongo/db/repl/oplog_entry.idl) brings a collection's data files in: the oplog
    /// holds no documents to replay it with.
    /// </summary>
    [Fact]
    public async Task A_replay_stops_at_an_unreplayable_form_with_the_entries_before_it_applied_and_counted()
    {
        const string db = "shop";
        var import = new BsonDocument
        {
            { "op", "c" }, { "ns", db + ".$cmd" },
            { "o", new BsonDocument { { "importCollection", db + ".imported" }, { "collectionProperties", new BsonDocument() }, { "dryRun", false } } },
            { "ts", new BsonTimestamp(1700000004, 1) }, { "t", 1L }, { "wall", new BsonDateTime(DateTimeOffset.FromUnixTimeSeconds(1700000004).UtcDateTime) },
        };
        BsonDocument[] oplog = [Insert(db, 1, 1700000001), Insert(db, 2, 1700000002), Insert(db, 3, 1700000003), import, Insert(db, 4, 1700000005)];
        using var dump = new HandWrittenDump(db, "items", [new BsonDocument("_id", 0)], oplog);
        var target = TestDatabases.NewName("unreplayable");

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = dump.Path, Map = new NamespaceMap().AddDatabaseRename(db, target),
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Equal(3, outcome.OplogEntriesApplied);
        Assert.Contains("importCollection", outcome.OplogError);
        Assert.Contains("Timestamp(1700000004, 1)", outcome.OplogError);
        var ids = await ReplayHarness.DocumentsAsync(server.Client, target + ".items");
        Assert.Equal([0, 1, 2, 3], ids.Select(d => d["_id"].AsInt32));
    }
}
