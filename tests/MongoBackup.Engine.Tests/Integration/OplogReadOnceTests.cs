using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// How often a restore reads the oplog it replays, counted in bytes read from the repository's oplog files
/// (<see cref="MeteredRepository"/>). A renaming restore checks what the replayed oplog creates against its renames
/// before it writes anything, and checks those targets again before the replay: one read serves both, so renaming costs
/// no more oplog reads than not renaming. A point-in-time run handed the plan it showed reads no oplog for it at all.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class OplogReadOnceTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_renaming_point_in_time_restore_reads_its_slices_as_often_as_one_that_does_not_rename()
    {
        using var folder = new TempFolder();
        var (repository, source, slice, moment) = await SnapshotAndSliceAsync(folder, "once_read");
        var sliceBytes = slice.Files.Where(f => f.Kind == ManifestFileKind.Oplog).Sum(f => f.Size);
        Assert.True(sliceBytes > 0);

        // Into a database of another name on its own: the same restore, without renames, as a point of comparison.
        var plain = await RestoredSliceBytesAsync(repository, slice, moment, new NamespaceMap(), source, drop: true);
        var renamedTarget = TestDatabases.NewName("once_read_to");
        var renamed = await RestoredSliceBytesAsync(repository, slice, moment, new NamespaceMap().AddDatabaseRename(source, renamedTarget), renamedTarget);

        // Verified whole before anything is written, read once for what it creates, once replayed.
        Assert.Equal(3 * sliceBytes, plain);
        Assert.Equal(plain, renamed);
        var later = server.Client.GetDatabase(renamedTarget).GetCollection<BsonDocument>("later");
        Assert.Equal(200, await later.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_point_in_time_run_handed_the_plan_it_showed_creates_what_that_listed_without_reading_the_oplog_for_it()
    {
        using var folder = new TempFolder();
        var (repository, source, slice, moment) = await SnapshotAndSliceAsync(folder, "once_shown");
        var sliceBytes = slice.Files.Where(f => f.Kind == ManifestFileKind.Oplog).Sum(f => f.Size);
        var target = TestDatabases.NewName("once_shown_to");
        var request = Request(repository, moment, new NamespaceMap().AddDatabaseRename(source, target));

        repository.Reset();
        var plan = await PointInTimePlan.CreateAsync(request, CancellationToken.None);
        var shown = await PointInTimePlan.CreatedByOplogAsync(request, plan, CancellationToken.None);
        Assert.Equal([(source + ".later", target + ".later")], shown.Targets.Select(t => (t.SourceNamespace, t.TargetNamespace)));
        Assert.Equal(sliceBytes, SliceBytes(repository, slice));

        repository.Reset();
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(request, plan.Window, shown, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        // Verified whole before anything is written, then replayed: what it creates was read by the plan.
        Assert.Equal(2 * sliceBytes, SliceBytes(repository, slice));
        Assert.Equal([target + ".items", target + ".later"], outcome.Restore.Namespaces.Select(n => n.TargetNamespace).Order(StringComparer.Ordinal));
        Assert.Equal(200, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("later").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(250, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Two_sources_renamed_onto_one_target_by_the_oplog_are_refused_before_anything_is_written_also_with_the_plan_shown()
    {
        using var folder = new TempFolder();
        var (repository, source, _, moment) = await SnapshotAndSliceAsync(folder, "once_merge");
        var target = TestDatabases.NewName("once_merge_to");
        var request = Request(repository, moment, new NamespaceMap().Add(source + ".items", target + ".merged").Add(source + ".later", target + ".merged"));

        var alone = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None));
        var plan = await PointInTimePlan.CreateAsync(request, CancellationToken.None);
        var shown = await PointInTimePlan.CreatedByOplogAsync(request, plan, CancellationToken.None);
        var handed = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(request, plan.Window, shown, CancellationToken.None));

        Assert.Equal(ErrorIds.InvalidArgument, handed.ErrorId);
        Assert.Equal(alone.Message, handed.Message);
        Assert.Contains($"Cannot restore both {source}.items and {source}.later into {target}.merged", handed.Message);
        Assert.DoesNotContain(target, await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task A_target_the_shown_plan_found_absent_but_filled_before_the_run_is_refused_and_its_documents_kept()
    {
        using var folder = new TempFolder();
        var (repository, source, _, moment) = await SnapshotAndSliceAsync(folder, "once_filled");
        var target = TestDatabases.NewName("once_filled_to");
        var request = Request(repository, moment, new NamespaceMap().AddDatabaseRename(source, target));
        var plan = await PointInTimePlan.CreateAsync(request, CancellationToken.None);
        var shown = await PointInTimePlan.CreatedByOplogAsync(request, plan, CancellationToken.None);
        var planned = Assert.Single(shown.Targets);
        Assert.Null(planned.Existing); // shown as a collection the run creates

        // Between the prompt and the run, someone else's document lands in the target the oplog creates.
        var later = server.Client.GetDatabase(target).GetCollection<BsonDocument>("later");
        await later.InsertOneAsync(new BsonDocument { { "_id", "theirs" }, { "kept", true } });

        var observer = new RecordingObserver();
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(request, plan.Window, shown, CancellationToken.None);

        Assert.False(outcome.Restore.Succeeded);
        var refused = Assert.Single(observer.Failures).Error;
        Assert.Equal(ErrorIds.TargetNotEmpty, refused.ErrorId);
        Assert.Contains(target + ".later", refused.Message);
        var held = await later.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(["theirs"], held.Select(d => d["_id"].AsString));
        Assert.Equal(250, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_target_the_shown_plan_found_empty_but_recreated_as_a_view_before_the_run_is_refused()
    {
        using var folder = new TempFolder();
        var (repository, source, _, moment) = await SnapshotAndSliceAsync(folder, "once_view");
        var target = TestDatabases.NewName("once_view_to");
        var request = Request(repository, moment, new NamespaceMap().AddDatabaseRename(source, target));
        await server.Client.GetDatabase(target).CreateCollectionAsync("later");
        var plan = await PointInTimePlan.CreateAsync(request, CancellationToken.None);
        var shown = await PointInTimePlan.CreatedByOplogAsync(request, plan, CancellationToken.None);
        Assert.Equal("exists empty", Assert.Single(shown.Targets).Existing);
        Assert.Null(Assert.Single(shown.Targets).Refusal);

        // Between the prompt and the run, the empty target is dropped and made a view of another collection.
        var db = server.Client.GetDatabase(target);
        await db.DropCollectionAsync("later");
        await db.GetCollection<BsonDocument>("others").InsertOneAsync(new BsonDocument("_id", "theirs"));
        await db.CreateViewAsync<BsonDocument, BsonDocument>("later", "others", PipelineDefinition<BsonDocument, BsonDocument>.Create(Array.Empty<BsonDocument>()));

        var observer = new RecordingObserver();
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(request, plan.Window, shown, CancellationToken.None);

        Assert.False(outcome.Restore.Succeeded);
        Assert.Contains(observer.Failures, f => f.Error.Message.Contains(target + ".later", StringComparison.Ordinal));
        Assert.Equal(["theirs"], (await db.GetCollection<BsonDocument>("others").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task Rename_patterns_the_base_snapshot_does_not_hold_are_looked_for_in_one_read_of_the_oplog()
    {
        using var folder = new TempFolder();
        var (repository, source, slice, moment) = await SnapshotAndSliceAsync(folder, "once_patterns");
        var sliceBytes = slice.Files.Where(f => f.Kind == ManifestFileKind.Oplog).Sum(f => f.Size);
        // Three rename sources the base snapshot does not hold: one the oplog creates after it, two it never writes to.
        var patterns = new[] { source + ".later", source + ".never", "nosuchdb.*" };
        var request = Request(repository, moment, new NamespaceMap());
        var plan = await PointInTimePlan.CreateAsync(request, CancellationToken.None);
        Assert.DoesNotContain(plan.FromSnapshot, n => n.SourceNamespace == source + ".later");

        repository.Reset();
        var selects = await PointInTimePlan.OplogSelectsEachAsync(request, plan.Window,
            patterns.Select(p => new NamespaceFilter(namespaceInclude: [p])).ToList(), CancellationToken.None);

        Assert.Equal([true, false, false], selects);
        // The slice read once to its end for all three (two match nothing), not once per pattern.
        Assert.Equal(sliceBytes, SliceBytes(repository, slice));
    }

    private PointInTimeRestoreRequest Request(MeteredRepository repository, OplogTimestamp moment, NamespaceMap map) => new()
    {
        Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
        Restore = new RestoreRequest { Connection = Connection, Map = map },
    };

    private static long SliceBytes(MeteredRepository repository, SnapshotManifest slice) =>
        repository.BytesRead.Where(r => r.Key.StartsWith(slice.Id + "/", StringComparison.Ordinal)).Sum(r => r.Value);

    /// <summary>Runs a point-in-time restore to <paramref name="moment"/> and returns the bytes it read from <paramref name="slice"/>'s files.</summary>
    private async Task<long> RestoredSliceBytesAsync(MeteredRepository repository, SnapshotManifest slice, OplogTimestamp moment, NamespaceMap map,
        string target, bool drop = false)
    {
        repository.Reset();
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
            Restore = new RestoreRequest { Connection = Connection, Map = map, Drop = drop },
        }, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        Assert.Contains(outcome.Restore.Namespaces, n => n.TargetNamespace == target + ".later");
        return SliceBytes(repository, slice);
    }

    /// <summary>
    /// A database backed up with 50 documents, then a collection created after the snapshot with 200 documents of
    /// 2 KB each, and 200 more in the first collection, all in one oplog slice; the moment is the last write.
    /// </summary>
    private async Task<(MeteredRepository, string, SnapshotManifest, OplogTimestamp)> SnapshotAndSliceAsync(TempFolder folder, string purpose)
    {
        var database = TestDatabases.NewName(purpose);
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var padding = new string('x', 2048);
        using var session = await server.Client.StartSessionAsync();
        await server.Client.GetDatabase(database).CreateCollectionAsync(session, "later");
        var later = server.Client.GetDatabase(database).GetCollection<BsonDocument>("later");
        await later.InsertManyAsync(session, Enumerable.Range(0, 200).Select(i => new BsonDocument { { "_id", i }, { "pad", padding } }));
        await items.InsertManyAsync(session, Enumerable.Range(100, 200).Select(i => new BsonDocument { { "_id", i }, { "pad", padding } }));
        var moment = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        var slice = await new OplogSliceRunner(new RecordingObserver())
            .RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        Assert.NotNull(slice);
        return (repository, database, slice, moment);
    }
}
