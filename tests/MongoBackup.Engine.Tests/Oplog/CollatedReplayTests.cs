using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// A collection with a case-insensitive default collation ({locale: "en", strength: 2}) holds "a" and "A" as one _id,
/// on the target as on the source: its restore refuses a second case of an _id as mongod does (DuplicateKey), and a
/// replayed write naming an _id reaches the document the collation deems equal to it, as mongod's oplog application
/// (through the collated _id index) does.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class CollatedReplayTests(MongoServerFixture server)
{
    private static readonly BsonDocument CaseInsensitive = new() { { "locale", "en" }, { "strength", 2 } };

    /// <summary>
    /// Source: {_id: "a", n: 1}; during the dump it is deleted and {_id: "A", n: 2} inserted. The dump's scan read the
    /// first before the delete and the second after the insert, so it holds both; mongod refuses the second on restore
    /// (they are one key of the collated _id index), and the replay then leaves the source's end state.
    /// </summary>
    [Fact]
    public async Task A_restore_of_a_collated_collection_refuses_a_second_case_of_an_id_and_the_replay_ends_as_the_source()
    {
        const string db = "names";
        BsonDocument[] oplog =
        [
            HandWrittenDump.Entry(1700000001, "d", db + ".people", new BsonDocument("_id", "a")),
            HandWrittenDump.Entry(1700000002, "i", db + ".people", new BsonDocument { { "_id", "A" }, { "n", 2 } }),
        ];
        using var dump = new HandWrittenDump(db, "people", [new BsonDocument { { "_id", "a" }, { "n", 1 } }, new BsonDocument { { "_id", "A" }, { "n", 2 } }], oplog);
        var idIndex = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" }, { "collation", CaseInsensitive } };
        await File.WriteAllTextAsync(Path.Combine(dump.Path, db, "people.metadata.json"), new BsonDocument
        {
            { "options", new BsonDocument("collation", CaseInsensitive) }, { "indexes", new BsonArray { idIndex } },
            { "uuid", Guid.NewGuid().ToString("N") }, { "collectionName", "people" }, { "type", "collection" },
        }.ToJson());
        var target = TestDatabases.NewName("collated");
        var observer = new RecordingObserver();

        var outcome = await dump.RestoreAsync(server.ConnectionString, db, target, observer);

        Assert.Null(outcome.OplogError);
        var people = Assert.Single(outcome.Namespaces);
        Assert.Equal(1, people.Failures); // the restore reports the refused document: not a success
        // A failed namespace like any other (its error written), though still replayed: the replay ends it as the source.
        var (failed, error) = Assert.Single(observer.Failures);
        Assert.Equal((target + ".people", ErrorIds.NamespaceRestoreFailed), (failed, error.ErrorId));
        Assert.Contains("the server refused 1 of the 2 documents", error.Message);
        Assert.Equal(error.Message, people.Error);
        var refusal = Assert.Single(observer.Warnings, w => w.Contains("refused"));
        Assert.StartsWith($"{target}.people: a document was refused (DuplicateKey): E11000 duplicate key error collection: {target}.people index: _id_ collation: {{ locale: \"en\"", refusal);
        Assert.Equal(["{ \"_id\" : \"A\", \"n\" : 2 }"], (await ReplayHarness.DocumentsAsync(server.Client, target + ".people")).Select(d => d.ToJson()));
    }

    /// <summary>
    /// The target collection already holds the document as {_id: "A"} (restored into an existing collation collection);
    /// the replayed entries name it "a": mongod applies both to it.
    /// </summary>
    [Fact]
    public async Task A_replayed_update_and_delete_by_id_reach_the_document_the_collation_deems_equal()
    {
        var source = TestDatabases.NewName("srccoll");
        var target = TestDatabases.NewName("collated");
        var map = new NamespaceMap().AddDatabaseRename(source, target);
        var database = server.Client.GetDatabase(target);
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "people" }, { "collation", CaseInsensitive } });
        await database.GetCollection<BsonDocument>("people").InsertManyAsync([new BsonDocument { { "_id", "A" }, { "n", 1 } }, new BsonDocument { { "_id", "B" }, { "n", 1 } }]);

        var outcome = await ReplayHarness.ReplayAsync(server.Client,
        [
            HandWrittenDump.Entry(1700000001, "u", source + ".people", BsonDocument.Parse("{ $v: 2, diff: { u: { n: 5 } } }"), new BsonDocument("_id", "a")),
            HandWrittenDump.Entry(1700000002, "d", source + ".people", new BsonDocument("_id", "b")),
        ], map, [source + ".people"]);

        Assert.Null(outcome.Error);
        Assert.Equal(["{ \"_id\" : \"A\", \"n\" : 5 }"], (await ReplayHarness.DocumentsAsync(server.Client, target + ".people")).Select(d => d.ToJson()));
    }
}
