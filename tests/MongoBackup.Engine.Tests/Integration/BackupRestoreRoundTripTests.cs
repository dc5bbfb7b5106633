using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

[Collection(MongoServerCollection.Name)]
public sealed class BackupRestoreRoundTripTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    [InlineData(Compression.None)]
    public async Task A_rich_database_round_trips_exactly_after_being_dropped(Compression compression)
    {
        var database = TestDatabases.NewName("rich");
        await RichDataSet.SeedAsync(server.Client, database);
        var before = await DatabaseState.CaptureAsync(server.Client, database, withUsers: true);
        Assert.Equal("timeseries", before.Collections["metrics"].Type);
        Assert.Equal(30, before.Collections["system.buckets.metrics"].Documents.Count); // the buckets are compared byte for byte
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);

        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = compression,
            Filter = new NamespaceFilter(databases: [database]), IncludeUsersAndRoles = true,
        }, CancellationToken.None);

        Assert.Equal(SnapshotStatus.Complete, manifest.Status);
        Assert.Equal(250, manifest.Namespaces.Single(n => n.Collection == "people").Documents);
        Assert.Equal("view", manifest.Namespaces.Single(n => n.Collection == "adults").Type);
        Assert.True(manifest.PointInTimeConsistent);
        Assert.All(manifest.Files, f => Assert.Equal(64, f.Sha256.Length));
        Assert.Contains(manifest.Files, f => f.Path == $"{database}/people.bson{CompressionCodec.FileSuffix(compression)}");
        Assert.Contains(manifest.Files, f => f.Path == $"{database}/people.metadata.json{CompressionCodec.FileSuffix(compression)}");

        await server.Client.DropDatabaseAsync(database);
        await server.Client.GetDatabase(database).RunCommandAsync<BsonDocument>(new BsonDocument("dropUser", "reporter"));
        await server.Client.GetDatabase(database).RunCommandAsync<BsonDocument>(new BsonDocument("dropRole", "reportReader"));

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), IncludeUsersAndRoles = true,
            Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Where(n => n.Error != null).Select(n => n.Error)));
        Assert.Equal(1, outcome.UsersRestored);
        Assert.Equal(1, outcome.RolesRestored);
        before.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, database, withUsers: true));
    }

    [Fact]
    public async Task A_snapshot_restores_into_a_renamed_database_beside_the_original()
    {
        var database = TestDatabases.NewName("src");
        var renamed = database + "_copy";
        await RichDataSet.SeedAsync(server.Client, database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = repository.LocalPath(manifest.Id, "")!,
            Map = new NamespaceMap().AddDatabaseRename(database, renamed),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.All(outcome.Namespaces, n => Assert.StartsWith(renamed + ".", n.TargetNamespace));
        var original = await DatabaseState.CaptureAsync(server.Client, database);
        original.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, renamed));
    }

    [Fact]
    public async Task Collection_filters_and_namespace_maps_restore_only_what_was_asked_under_the_new_names()
    {
        var database = TestDatabases.NewName("filter");
        var target = TestDatabases.NewName("target");
        await RichDataSet.SeedAsync(server.Client, database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database], excludeCollections: ["acc*"]),
        }, CancellationToken.None);
        Assert.DoesNotContain(manifest.Namespaces, n => n.Collection == "accounts");

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = repository.LocalPath(manifest.Id, "")!,
            Filter = new NamespaceFilter(collections: ["peo*", "events"]),
            Map = new NamespaceMap().Add($"{database}.*", $"{target}.old_*"),
        }, CancellationToken.None);

        Assert.Equal([$"{target}.old_events", $"{target}.old_people"], outcome.Namespaces.Select(n => n.TargetNamespace).Order());
        var names = await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync();
        Assert.Equal(["old_events", "old_people"], names.Where(n => !n.StartsWith("system.")).Order());
        Assert.Equal(250, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("old_people").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_target_that_holds_data_is_refused_and_kept_unless_drop_is_given()
    {
        var database = TestDatabases.NewName("guard");
        var people = server.Client.GetDatabase(database).GetCollection<BsonDocument>("people");
        await people.InsertManyAsync(Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        await people.InsertOneAsync(new BsonDocument("_id", 99));

        var observer = new RecordingObserver();
        var refused = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = repository.LocalPath(manifest.Id, "")!,
        }, CancellationToken.None);

        Assert.False(refused.Succeeded);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.TargetNotEmpty, failure.Error.ErrorId);
        Assert.Contains($"{database}.people", failure.Error.Message);
        Assert.Equal(6, await people.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));

        var dropped = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Drop = true,
        }, CancellationToken.None);
        Assert.True(dropped.Succeeded);
        Assert.Equal(5, await people.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public async Task A_snapshot_file_damaged_in_the_repository_fails_its_namespace_by_name_and_the_others_restore(string damage)
    {
        var database = TestDatabases.NewName("damaged");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c")
            .InsertManyAsync(Enumerable.Range(0, 500).Select(i => new BsonDocument { { "_id", i }, { "v", new string('v', 100) } }));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("d").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var dataFile = repository.LocalPath(manifest.Id, $"{database}/c.bson")!;
        var bytes = await File.ReadAllBytesAsync(dataFile);
        if (damage == "flip") bytes[^200] ^= 0x20; // inside a string value: still valid BSON, so only the checksum can tell
        else bytes = bytes[..^150];
        await File.WriteAllBytesAsync(dataFile, bytes);
        var observer = new RecordingObserver();

        // Checked before anything is written: the damaged namespace is not touched, the others are restored.
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id),
            Map = new NamespaceMap().AddDatabaseRename(database, database + "_r"),
        }, CancellationToken.None);

        var failure = Assert.Single(observer.Failures);
        Assert.Equal($"{database}_r.c", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains($"{manifest.Id}/{database}/c.bson", failure.Error.Message);
        Assert.Contains(damage == "flip" ? "SHA-256" : "ends after", failure.Error.Message);
        Assert.Equal(1, outcome.Namespaces.Single(n => n.TargetNamespace == $"{database}_r.d").Documents);
        Assert.DoesNotContain("c", await (await server.Client.GetDatabase(database + "_r").ListCollectionNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task A_large_collection_read_as_parallel_id_ranges_restores_every_document_once_whatever_its_id_type()
    {
        var database = TestDatabases.NewName("ranges");
        var mixed = server.Client.GetDatabase(database).GetCollection<BsonDocument>("mixed");
        // Several _id types: index-bounded ranges must cover them all (a $gte/$lt range would only match one type).
        await mixed.InsertManyAsync(Enumerable.Range(0, 6000).Select(i => new BsonDocument
        {
            { "_id", (i % 3) switch { 0 => (BsonValue)i, 1 => $"key-{i:00000}", _ => new ObjectId($"{i + 1:x24}") } },
            { "v", i },
        }));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var observer = new RecordingObserver();
        var manifest = await new BackupRunner(observer).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
            ParallelCollections = 4, SplitThresholdDocuments = 1000,
        }, CancellationToken.None);

        Assert.Contains(observer.Verboses, v => v.Contains("_id ranges in parallel"));
        Assert.Equal(6000, manifest.Namespaces.Single().Documents);
        var target = database + "_r";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id),
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded);
        (await DatabaseState.CaptureAsync(server.Client, database)).AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
    }
}
