using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Oplog;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// How often a restore from a mongodump folder opens its oplog.bson (<see cref="FileOpenCounter"/>): once to check it
/// whole before the replay applies any entry, once to replay it. What the replay creates (checked against the renames
/// before the first write, and each target before the replay) is found by one of those reads, or by the read that listed
/// it to the user before the run, never by one of its own.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DumpOplogReadOnceTests(MongoServerFixture server)
{
    private const string Source = "shop";

    private static BsonDocument[] CreateAndInsert() =>
    [
        HandWrittenDump.Entry(1700000001, "c", Source + ".$cmd", new BsonDocument("create", "newc")),
        HandWrittenDump.Entry(1700000002, "i", Source + ".newc", new BsonDocument { { "_id", 1 }, { "from", "oplog" } }),
        HandWrittenDump.Entry(1700000003, "i", Source + ".a", new BsonDocument { { "_id", 2 }, { "from", "oplog" } }),
    ];

    private RestoreRequest Request(string path, NamespaceMap map) => new()
    {
        Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = path, Map = map,
    };

    [Fact]
    public async Task A_dump_folder_restored_under_its_own_names_reads_its_oplog_to_check_it_and_to_replay_it()
    {
        // Restored under its own names into a database of its own: a dump folder of that database, the oplog written for it.
        var database = TestDatabases.NewName("once_plain");
        using var dump = new HandWrittenDump(database, "a", [new BsonDocument("_id", 1)], CreateAndInsert().Select(e => Renamed(e, database)));

        Assert.Equal(2, await OplogOpensOfRestoreAsync(dump, new NamespaceMap(), database));
    }

    [Fact]
    public async Task A_renaming_restore_of_a_dump_folder_reads_its_oplog_as_often_as_one_that_does_not_rename()
    {
        using var dump = new HandWrittenDump(Source, "a", [new BsonDocument("_id", 1)], CreateAndInsert());
        var target = TestDatabases.NewName("once_renamed");

        Assert.Equal(2, await OplogOpensOfRestoreAsync(dump, new NamespaceMap().AddDatabaseRename(Source, target), target));
    }

    /// <summary>
    /// Restores <paramref name="dump"/> (<see cref="CreateAndInsert"/>'s oplog over one document of "a") through
    /// <paramref name="map"/>, asserting it restored <paramref name="target"/>.a and .newc whole; how often it opened oplog.bson.
    /// </summary>
    private async Task<int> OplogOpensOfRestoreAsync(HandWrittenDump dump, NamespaceMap map, string target)
    {
        using var opens = new FileOpenCounter(Path.Combine(dump.Path, "oplog.bson"));

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(Request(dump.Path, map), CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal([target + ".a", target + ".newc"], outcome.Namespaces.Select(n => n.TargetNamespace).Order(StringComparer.Ordinal));
        Assert.Equal(2, await CountAsync(target, "a"));
        Assert.Equal(1, await CountAsync(target, "newc"));
        return opens.Opens;
    }

    [Fact]
    public async Task A_dump_holding_only_an_oplog_listed_before_the_run_is_not_read_again_for_what_it_creates()
    {
        using var folder = new TempFolder();
        var oplog = Path.Combine(folder.Path, "oplog.bson");
        await using (var stream = File.Create(oplog))
            foreach (var entry in CreateAndInsert().Take(2)) stream.Write(entry.ToBson());
        var target = TestDatabases.NewName("once_oplogonly");
        var request = Request(folder.Path, new NamespaceMap().AddDatabaseRename(Source, target));
        using var opens = new FileOpenCounter(oplog);

        // What Restore-MongoDatabase lists and confirms for a dump holding only an oplog, then runs.
        var shown = await RestoreRunner.PlanReplayCreatedAsync(request, CancellationToken.None);
        Assert.Equal([Source + ".newc"], shown.Namespaces);
        Assert.Equal(1, opens.Opens);
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(request, shown, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(target + ".newc", Assert.Single(outcome.Namespaces).TargetNamespace);
        Assert.Equal(1, await CountAsync(target, "newc"));
        // Listed, then checked whole before the replay, then replayed.
        Assert.Equal(3, opens.Opens);
    }

    [Fact]
    public async Task What_was_listed_before_the_run_is_narrowed_to_what_the_run_restores_when_some_of_it_was_declined()
    {
        using var folder = new TempFolder();
        var oplog = Path.Combine(folder.Path, "oplog.bson");
        await using (var stream = File.Create(oplog))
            foreach (var entry in CreateAndInsert().Take(2).Append(HandWrittenDump.Entry(1700000004, "c", Source + ".$cmd", new BsonDocument("create", "other"))))
                stream.Write(entry.ToBson());
        var target = TestDatabases.NewName("once_declined");
        var request = Request(folder.Path, new NamespaceMap().AddDatabaseRename(Source, target));
        var shown = await RestoreRunner.PlanReplayCreatedAsync(request, CancellationToken.None);
        Assert.Equal([Source + ".newc", Source + ".other"], shown.Namespaces);

        // Declined at its prompt: left out by the filter, as Restore-MongoDatabase leaves a declined namespace out.
        var declined = request with { Filter = new NamespaceFilter(namespaceExclude: [Source + ".other"]) };
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(declined, shown, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal([target + ".newc"], outcome.Namespaces.Select(n => n.TargetNamespace));
        Assert.DoesNotContain("other", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
    }

    private static BsonDocument Renamed(BsonDocument entry, string database)
    {
        var copy = entry.DeepClone().AsBsonDocument;
        copy["ns"] = database + copy["ns"].AsString[Source.Length..];
        return copy;
    }

    private Task<long> CountAsync(string database, string collection) =>
        server.Client.GetDatabase(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
}
