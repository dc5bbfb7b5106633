using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Oplog;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// A collection the replayed oplog creates (or renames onto) is held to the rule of every restored target: a target of
/// that name holding documents is not touched (TargetNotEmpty, named in the result), unless -Drop replaces it; -Resume
/// takes it only under the record of the same restore.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ReplayCreatedTargetTests(MongoServerFixture server)
{
    private const string Source = "shop";

    private static BsonDocument[] CreateAndInsert() =>
    [
        HandWrittenDump.Entry(1700000001, "c", Source + ".$cmd", new BsonDocument("create", "newc")),
        HandWrittenDump.Entry(1700000002, "i", Source + ".newc", new BsonDocument { { "_id", 1 }, { "from", "oplog" } }),
    ];

    private async Task<string> TargetHoldingForeignAsync(string prefix, string collection)
    {
        var target = TestDatabases.NewName(prefix);
        await server.Client.GetDatabase(target).GetCollection<BsonDocument>(collection).InsertManyAsync(
            [new BsonDocument { { "_id", 1 }, { "foreign", true } }, new BsonDocument { { "_id", 99 }, { "foreign", true } }]);
        return target;
    }

    private Task<RestoreOutcome> RestoreAsync(HandWrittenDump dump, string target, RecordingObserver observer, bool drop = false, bool resume = false) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = dump.Path, Map = new NamespaceMap().AddDatabaseRename(Source, target), Drop = drop, Resume = resume,
        }, CancellationToken.None);

    private async Task<List<string>> JsonAsync(string ns) =>
        (await ReplayHarness.DocumentsAsync(server.Client, ns)).Select(d => d.ToJson()).ToList();

    [Fact]
    public async Task A_collection_the_oplog_creates_is_not_written_where_the_target_holds_documents()
    {
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], CreateAndInsert());
        var target = await TargetHoldingForeignAsync("replaycreated", "newc");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(dump, target, observer);

        Assert.False(outcome.Succeeded);
        Assert.Equal(["{ \"_id\" : 1, \"foreign\" : true }", "{ \"_id\" : 99, \"foreign\" : true }"], await JsonAsync(target + ".newc"));
        var newc = Assert.Single(outcome.Namespaces, n => n.TargetNamespace == target + ".newc");
        Assert.Contains("already holds 2 documents", newc.Error);
        var (failed, error) = Assert.Single(observer.Failures);
        Assert.Equal(target + ".newc", failed);
        Assert.Equal(ErrorIds.TargetNotEmpty, error.ErrorId);
        Assert.True(Assert.Single(outcome.Namespaces, n => n.TargetNamespace == target + ".a").Succeeded);
        Assert.Equal(["{ \"_id\" : 1 }"], await JsonAsync(target + ".a"));
    }

    [Fact]
    public async Task With_drop_the_target_is_replaced_by_what_the_oplog_creates_and_listed_in_the_result()
    {
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], CreateAndInsert());
        var target = await TargetHoldingForeignAsync("replaycreateddrop", "newc");

        var outcome = await RestoreAsync(dump, target, new RecordingObserver(), drop: true);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(["{ \"_id\" : 1, \"from\" : \"oplog\" }"], await JsonAsync(target + ".newc"));
        var newc = Assert.Single(outcome.Namespaces, n => n.TargetNamespace == target + ".newc");
        Assert.Equal(1, newc.FinalDocuments);
    }

    /// <summary>
    /// An existing empty target is kept, as a restore from files keeps one, only when it behaves as the source's: a
    /// capped collection the oplog creates is not replayed into a plain one (its documents would no longer roll over),
    /// as a capped collection in the files is not restored into one (TargetIncompatible naming the options); -Drop replaces it.
    /// </summary>
    [Fact]
    public async Task A_capped_collection_the_oplog_creates_is_not_replayed_into_an_empty_plain_target_unless_drop()
    {
        BsonDocument[] oplog =
        [
            HandWrittenDump.Entry(1700000001, "c", Source + ".$cmd", new BsonDocument { { "create", "log" }, { "capped", true }, { "size", 4096 } }),
            HandWrittenDump.Entry(1700000002, "i", Source + ".log", new BsonDocument { { "_id", 1 }, { "from", "oplog" } }),
        ];
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], oplog);
        var target = TestDatabases.NewName("replaycapped");
        await server.Client.GetDatabase(target).CreateCollectionAsync("log");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(dump, target, observer);

        Assert.False(outcome.Succeeded);
        var (failed, error) = Assert.Single(observer.Failures);
        Assert.Equal((target + ".log", ErrorIds.TargetIncompatible), (failed, error.ErrorId));
        Assert.Contains("capped: true in the backup, false on the target", error.Message);
        Assert.Empty(await JsonAsync(target + ".log"));

        var dropped = await RestoreAsync(dump, target, new RecordingObserver(), drop: true);

        Assert.True(dropped.Succeeded, string.Join("; ", dropped.Namespaces.Select(n => n.Error)));
        Assert.Equal(["{ \"_id\" : 1, \"from\" : \"oplog\" }"], await JsonAsync(target + ".log"));
        var listed = await (await server.Client.GetDatabase(target).ListCollectionsAsync(new ListCollectionsOptions
            { Filter = new BsonDocument("name", "log") })).SingleAsync();
        Assert.True(listed["options"]["capped"].AsBoolean);
    }

    /// <summary>An empty target whose options are the source's is kept, and the replay writes into it.</summary>
    [Fact]
    public async Task A_collection_the_oplog_creates_goes_into_an_empty_target_of_the_same_options()
    {
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], CreateAndInsert());
        var target = TestDatabases.NewName("replaysame");
        await server.Client.GetDatabase(target).CreateCollectionAsync("newc");

        var outcome = await RestoreAsync(dump, target, new RecordingObserver());

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(["{ \"_id\" : 1, \"from\" : \"oplog\" }"], await JsonAsync(target + ".newc"));
    }

    [Fact]
    public async Task A_replayed_rename_with_dropTarget_does_not_drop_a_foreign_target()
    {
        BsonDocument[] oplog =
        [
            HandWrittenDump.Entry(1700000001, "c", Source + ".$cmd",
                new BsonDocument { { "renameCollection", Source + ".a" }, { "to", Source + ".b" }, { "dropTarget", true } }),
        ];
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument { { "_id", 1 }, { "v", "src" } }], oplog);
        var target = await TargetHoldingForeignAsync("replayrenamed", "b");

        var outcome = await RestoreAsync(dump, target, new RecordingObserver());

        Assert.False(outcome.Succeeded);
        Assert.Equal(["{ \"_id\" : 1, \"foreign\" : true }", "{ \"_id\" : 99, \"foreign\" : true }"], await JsonAsync(target + ".b"));
        Assert.Contains("already holds 2 documents", Assert.Single(outcome.Namespaces, n => n.TargetNamespace == target + ".b").Error);
        // a was renamed away at the moment restored: it is not left under its old name either.
        var names = await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync();
        Assert.DoesNotContain("a", names);
    }

    [Fact]
    public async Task Resume_does_not_take_a_foreign_target_the_oplog_creates()
    {
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], CreateAndInsert());
        var target = await TargetHoldingForeignAsync("replaycreatedresume", "newc");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(dump, target, observer, resume: true);

        Assert.False(outcome.Succeeded);
        Assert.Equal(["{ \"_id\" : 1, \"foreign\" : true }", "{ \"_id\" : 99, \"foreign\" : true }"], await JsonAsync(target + ".newc"));
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.TargetNotEmpty, error.ErrorId);
        Assert.Contains("-Resume does not take it", error.Message);
    }

    [Fact]
    public async Task Resume_finishes_a_collection_the_oplog_created_under_the_record_of_the_same_restore()
    {
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], CreateAndInsert());
        var target = TestDatabases.NewName("replaycreatedresumed");
        // The interrupted run: it recorded both targets and replayed the oplog's create and insert.
        var request = new RestoreRequest { Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = dump.Path };
        var db = server.Client.GetDatabase(target);
        foreach (var collection in new[] { "a", "newc" })
            await RestoreRecords.WriteAsync(db, collection, RestoreIdentity.Of(request), CancellationToken.None);
        await db.GetCollection<BsonDocument>("a").InsertOneAsync(new BsonDocument("_id", 1));
        await db.GetCollection<BsonDocument>("newc").InsertOneAsync(new BsonDocument { { "_id", 1 }, { "from", "oplog" } });

        var outcome = await RestoreAsync(dump, target, new RecordingObserver(), resume: true);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(["{ \"_id\" : 1, \"from\" : \"oplog\" }"], await JsonAsync(target + ".newc"));
    }

    [Fact]
    public async Task A_dump_holding_only_an_oplog_restores_what_it_creates()
    {
        using var folder = new TempFolder();
        await using (var stream = File.Create(Path.Combine(folder.Path, "oplog.bson")))
            foreach (var entry in CreateAndInsert()) stream.Write(entry.ToBson());
        var target = TestDatabases.NewName("oplogonly");
        var request = new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = folder.Path, Map = new NamespaceMap().AddDatabaseRename(Source, target),
        };

        Assert.Empty(await RestoreRunner.PlanAsync(request, CancellationToken.None));
        Assert.Equal([Source + ".newc"], (await RestoreRunner.PlanReplayCreatedAsync(request, CancellationToken.None)).Namespaces);
        Assert.Empty((await RestoreRunner.PlanReplayCreatedAsync(request with { NoOplogReplay = true }, CancellationToken.None)).Namespaces);
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(["{ \"_id\" : 1, \"from\" : \"oplog\" }"], await JsonAsync(target + ".newc"));
        Assert.Equal(target + ".newc", Assert.Single(outcome.Namespaces).TargetNamespace);
    }

    /// <summary>What the probe counts as created: a create (a time-series collection's buckets as the collection), a rename's target, an applyOps member's.</summary>
    [Fact]
    public void The_probe_names_every_namespace_an_entry_brings_into_being()
    {
        var buckets = HandWrittenDump.Entry(1, "c", "shop.$cmd", new BsonDocument { { "create", "system.buckets.m" }, { "timeseries", new BsonDocument("timeField", "t") } });
        var rename = HandWrittenDump.Entry(2, "c", "shop.$cmd", new BsonDocument { { "renameCollection", "shop.a" }, { "to", "other.b" }, { "dropTarget", true } });
        var transaction = HandWrittenDump.Entry(3, "c", "admin.$cmd", new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "c" }, { "ns", "shop.$cmd" }, { "o", new BsonDocument { { "create", "v" }, { "viewOn", "a" }, { "pipeline", new BsonArray() } } } },
            new BsonDocument { { "op", "i" }, { "ns", "shop.x" }, { "o", new BsonDocument("_id", 1) } },
        }));
        var insert = HandWrittenDump.Entry(4, "i", "shop.x", new BsonDocument("_id", 1));

        Assert.Equal([("shop", "m", "timeseries")], OplogNamespaceProbe.CreatedBy(buckets));
        Assert.Equal([("other", "b", "collection")], OplogNamespaceProbe.CreatedBy(rename));
        Assert.Equal([("shop", "v", "view")], OplogNamespaceProbe.CreatedBy(transaction));
        Assert.Empty(OplogNamespaceProbe.CreatedBy(insert));
    }

    /// <summary>
    /// What the probe counts is what the replay applies: a transaction's creates only once it commits (its decision
    /// taken by the replay's own <see cref="TransactionGatherer"/>), none of an aborted or undecided one; a view's
    /// creation logged as an insert into system.views.
    /// </summary>
    [Fact]
    public async Task The_probe_counts_only_what_the_replay_applies()
    {
        var session = new BsonDocument("id", new BsonBinaryData(new byte[16], BsonBinarySubType.UuidStandard));
        BsonDocument Txn(int i, long number, BsonDocument o, int previous)
        {
            var entry = HandWrittenDump.Entry((uint)i, "c", "admin.$cmd", o);
            entry["lsid"] = session;
            entry["txnNumber"] = new BsonInt64(number);
            // Linked to the entry before (HandWrittenDump's ts is Timestamp(second, 1)); the first one to the null optime.
            entry["prevOpTime"] = new BsonDocument { { "ts", new BsonTimestamp(previous, previous == 0 ? 0 : 1) }, { "t", previous == 0 ? -1 : 1 } };
            return entry;
        }
        BsonDocument Partial(string collection) => new() { { "applyOps", new BsonArray
            { new BsonDocument { { "op", "c" }, { "ns", "shop.$cmd" }, { "o", new BsonDocument("create", collection) } } } }, { "partialTxn", true } };
        var entries = new[]
        {
            Txn(1, 1, Partial("aborted"), 0),
            Txn(2, 1, new BsonDocument("abortTransaction", 1), 1),
            Txn(3, 2, Partial("committed"), 0),
            Txn(4, 2, new BsonDocument { { "applyOps", new BsonArray() }, { "count", 1 } }, 3),
            HandWrittenDump.Entry(5, "i", "shop.system.views", new BsonDocument { { "_id", "shop.v" }, { "viewOn", "committed" }, { "pipeline", new BsonArray() } }),
            Txn(6, 3, Partial("open"), 0),
        };
        async IAsyncEnumerable<byte[]> Read() { foreach (var e in entries) yield return e.ToBson(); await Task.CompletedTask; }
        var segment = new OplogSegment("test", Read()) { Reread = Read };

        var created = await OplogNamespaceProbe.CreatedAsync([segment], (_, _) => true, CancellationToken.None);

        Assert.Equal([("shop", "committed", "collection"), ("shop", "v", "view")], created.Select(c => (c.Database, c.Collection, c.Type)));
    }
}
