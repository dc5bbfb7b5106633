using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Snapshots keep what mongodump's files cannot: collection options whose $-keys Extended JSON reads back as other
/// values, and names too long for a ".zst" suffix after mongodump's shortening.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class MetadataFidelityTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task Options_extended_json_cannot_hold_back_up_with_a_warning_and_restore_exactly(Compression compression)
    {
        var db = TestDatabases.NewName("ambig");
        var database = server.Client.GetDatabase(db);
        var validator = new BsonDocument("t", new BsonDocument("$ne", new BsonDocument("$minKey", 1)));
        await database.CreateCollectionAsync("guarded", new CreateCollectionOptions<BsonDocument> { Validator = validator });
        await database.GetCollection<BsonDocument>("guarded").InsertOneAsync(new BsonDocument { { "_id", 1 }, { "t", 5 } });
        var pipeline = new BsonArray { new BsonDocument("$project", new BsonDocument("x", new BsonDocument("$literal", new BsonDocument("$numberInt", "7")))) };
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "sevens" }, { "viewOn", "guarded" }, { "pipeline", pipeline } });
        await database.GetCollection<BsonDocument>("plain").InsertOneAsync(new BsonDocument("_id", 1));
        var before = await OptionsAsync(database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var observer = new RecordingObserver();

        var manifest = await new BackupRunner(observer).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = compression, Filter = new NamespaceFilter(databases: [db]),
        }, CancellationToken.None);

        Assert.Equal(SnapshotStatus.Complete, manifest.Status);
        // {$minKey: {$numberInt: "1"}} does not even parse back; the $literal document parses as the number 7.
        Assert.Contains(observer.Warnings, w => w.StartsWith(db + ".guarded:") && w.Contains("cannot be read back") && w.Contains("mongorestore"));
        Assert.Contains(observer.Warnings, w => w.StartsWith(db + ".sevens:") && w.Contains("options.pipeline"));
        Assert.DoesNotContain(observer.Warnings, w => w.StartsWith(db + ".plain"));
        Assert.Equal([$"{db}/guarded", $"{db}/sevens"], manifest.Files.Where(f => f.Kind == ManifestFileKind.ExactMetadata)
            .Select(f => f.Path[..f.Path.IndexOf(DumpLayout.ExactMetadataExtension)]).Order(StringComparer.Ordinal));

        var target = db + "_r";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Map = new NamespaceMap().AddDatabaseRename(db, target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var after = await OptionsAsync(server.Client.GetDatabase(target));
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, options) in before)
            Assert.Equal(options.ToBson(), after[name].ToBson());
        var verified = await new MongoBackup.Engine.Housekeeping.SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, manifest.Id, null, null, CancellationToken.None);
        Assert.True(verified.Passed, string.Join("; ", verified.Problems));
    }

    /// <summary>
    /// The options a DBA sets on a capped audit log and on a collection watched with pre- and post-images come back as
    /// listCollections showed them before the backup (mongodump writes listCollections' "options" into metadata.json, and
    /// mongorestore hands them to create): capped, size and max, and changeStreamPreAndPostImages; and the restored cap
    /// still holds (max documents, oldest first out).
    /// </summary>
    [Fact]
    public async Task Capped_max_and_change_stream_image_options_restore_as_they_were_backed_up()
    {
        var db = TestDatabases.NewName("capopt");
        var database = server.Client.GetDatabase(db);
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "audit" }, { "capped", true }, { "size", 4096 }, { "max", 3 } });
        await database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "create", "watched" }, { "changeStreamPreAndPostImages", new BsonDocument("enabled", true) },
        });
        await database.GetCollection<BsonDocument>("audit").InsertManyAsync(Enumerable.Range(1, 5).Select(i => new BsonDocument("_id", i)));
        await database.GetCollection<BsonDocument>("watched").InsertOneAsync(new BsonDocument("_id", 1));
        var before = await OptionsAsync(database);
        Assert.Equal(new BsonDocument { { "capped", true }, { "size", 4096 }, { "max", 3 } }, before["audit"]);
        Assert.Equal(BsonDocument.Parse("{changeStreamPreAndPostImages: {enabled: true}}"), before["watched"]);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);

        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [db]),
        }, CancellationToken.None);
        var target = db + "_r";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Map = new NamespaceMap().AddDatabaseRename(db, target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var restored = server.Client.GetDatabase(target);
        var after = await OptionsAsync(restored);
        Assert.Equal(before["audit"].ToBson(), after["audit"].ToBson());
        Assert.Equal(before["watched"].ToBson(), after["watched"].ToBson());
        var audit = restored.GetCollection<BsonDocument>("audit");
        Assert.Equal([3, 4, 5], (await audit.Find(new BsonDocument()).ToListAsync()).Select(d => d["_id"].AsInt32));
        await audit.InsertOneAsync(new BsonDocument("_id", 6));
        Assert.Equal([4, 5, 6], (await audit.Find(new BsonDocument()).ToListAsync()).Select(d => d["_id"].AsInt32));
    }

    [Theory]
    [InlineData(Compression.Zstd)]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.None)]
    public async Task Names_shortened_for_the_file_system_fit_every_suffix_and_restore(Compression compression)
    {
        var db = "l" + Guid.NewGuid().ToString("N")[..6]; // short: a namespace may have at most 255 bytes
        var names = new[] { new string('n', 240), string.Concat(Enumerable.Repeat("ж", 40)), new string('m', 237) };
        foreach (var name in names)
            await server.Client.GetDatabase(db).GetCollection<BsonDocument>(name).InsertOneAsync(new BsonDocument("_id", name.Length));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);

        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = compression, Filter = new NamespaceFilter(databases: [db]),
        }, CancellationToken.None);

        Assert.All(manifest.Files, f => Assert.True(System.Text.Encoding.UTF8.GetByteCount(f.Path[(f.Path.LastIndexOf('/') + 1)..]) <= 255, f.Path));
        if (compression != Compression.Zstd) // plain and gzip names are mongodump's own
            Assert.Contains(manifest.Files, f => f.Path == $"{db}/{DumpNames.EscapeCollection(names[0])}.metadata.json{CompressionCodec.FileSuffix(compression)}");
        var target = "r" + db[1..];
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Map = new NamespaceMap().AddDatabaseRename(db, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(names.Order(StringComparer.Ordinal), (await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync()).Order(StringComparer.Ordinal));
        // The snapshot folder is also read as a plain dump folder, where the names come from the file names.
        await using var folder = DumpReaders.Open(repository.LocalPath(manifest.Id, "")!);
        Assert.Equal(names.Order(StringComparer.Ordinal), folder.Namespaces.Select(n => n.Collection).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_simple_collation_index_on_a_collection_with_a_default_collation_keeps_comparing_bytes()
    {
        var db = TestDatabases.NewName("collation");
        var database = server.Client.GetDatabase(db);
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "names" }, { "collation", new BsonDocument { { "locale", "en" }, { "strength", 2 } } } });
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "createIndexes", "names" }, { "indexes", new BsonArray {
            new BsonDocument { { "key", new BsonDocument("k", 1) }, { "name", "k_1" }, { "unique", true }, { "collation", new BsonDocument("locale", "simple") } } } } });
        await database.GetCollection<BsonDocument>("names").InsertManyAsync([new BsonDocument { { "_id", 1 }, { "k", "a" } }, new BsonDocument { { "_id", 2 }, { "k", "A" } }]);
        await BackUpAndRestoreAsync(db, db + "_r");
        var restored = server.Client.GetDatabase(db + "_r").GetCollection<BsonDocument>("names");
        Assert.Equal(2, await restored.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var index = (await (await restored.Indexes.ListAsync()).ToListAsync()).Single(i => i["name"] == "k_1");
        Assert.False(index.Contains("collation")); // simple, as it was
    }

    [Fact]
    public async Task Text_and_time_series_default_indexes_come_back_as_the_server_lists_them()
    {
        var db = TestDatabases.NewName("idxforms");
        var database = server.Client.GetDatabase(db);
        await database.GetCollection<BsonDocument>("articles").Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            BsonDocument.Parse("{lang: 1, title: 'text', body: 'text'}"), new CreateIndexOptions { Weights = new BsonDocument("title", 3) }));
        await database.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{create: 'readings', timeseries: {timeField: 't', metaField: 'sensor'}}"));
        var before = await IndexesAsync(database);
        await BackUpAndRestoreAsync(db, db + "_r");
        Assert.Contains("_fts", before["articles"]);
        Assert.Contains("sensor_1_t_1", before["readings"]);
        Assert.Equal(before, await IndexesAsync(server.Client.GetDatabase(db + "_r")));
    }

    /// <summary>Backs up one database into a new folder repository and restores it under another name; both must succeed.</summary>
    private async Task BackUpAndRestoreAsync(string db, string target)
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [db]),
        }, CancellationToken.None);
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Map = new NamespaceMap().AddDatabaseRename(db, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
    }

    private static async Task<Dictionary<string, string>> IndexesAsync(IMongoDatabase database)
    {
        var result = new Dictionary<string, string>();
        foreach (var name in new[] { "articles", "readings" })
            result[name] = string.Join(" ", (await (await database.GetCollection<BsonDocument>(name).Indexes.ListAsync()).ToListAsync()).Select(i => i.ToJson()));
        return result;
    }

    private static async Task<Dictionary<string, BsonDocument>> OptionsAsync(IMongoDatabase database)
    {
        var list = await (await database.ListCollectionsAsync()).ToListAsync();
        return list.ToDictionary(c => c["name"].AsString, c => c["options"].AsBsonDocument);
    }
}
