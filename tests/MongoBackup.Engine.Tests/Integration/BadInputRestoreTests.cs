using System.IO.Compression;
using System.Text;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Formats;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The inputs of issue 15 that crashed the process, filled its memory or ended in an error without a name. Damage to
/// one namespace (its metadata, its data file) is CorruptFile naming the file (and the offset where it has one), found
/// in -WhatIf planning too, and fails that namespace alone while the others restore (issue 16, item 2). Damage to what
/// the whole source depends on (an archive's header, a snapshot's manifest or encryption entry) refuses the restore.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class BadInputRestoreTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private static string Deep(int levels) =>
        "{\"options\":" + string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels) + ",\"indexes\":[]}";

    private const string GoodMetadata = """{"indexes":[],"collectionName":"good","type":"collection"}""";

    /// <summary>
    /// A dump folder of the database shop: orders with its metadata file as given and a data file of one document, and
    /// good, whole, with one document.
    /// </summary>
    private static string DumpWithMetadata(TempFolder dump, string metadataName, byte[] metadata)
    {
        var db = Path.Combine(dump.Path, "shop");
        Directory.CreateDirectory(db);
        File.WriteAllBytes(Path.Combine(db, "orders.bson"), new BsonDocument("_id", 1).ToBson());
        File.WriteAllBytes(Path.Combine(db, metadataName), metadata);
        File.WriteAllBytes(Path.Combine(db, "good.bson"), new BsonDocument("_id", 1).ToBson());
        File.WriteAllText(Path.Combine(db, "good.metadata.json"), GoodMetadata);
        return Path.Combine("shop", metadataName);
    }

    /// <summary>
    /// Plans and restores <paramref name="source"/> (shop.orders damaged, shop.good whole): the plan marks orders damaged
    /// (so -WhatIf shows it without reading further), and the restore fails orders alone with that damage, as
    /// CorruptFile, writes nothing of it, and restores good.
    /// </summary>
    private async Task<MongoBackupException> FailsAloneAsync(string source)
    {
        var target = TestDatabases.NewName("bad");
        var request = new RestoreRequest
        {
            Connection = Connection, SourcePath = source, NoOplogReplay = true, Map = new NamespaceMap().AddDatabaseRename("shop", target),
        };
        var planned = await RestoreRunner.PlanAsync(request, CancellationToken.None);
        Assert.Equal(["good", "orders"], planned.Select(p => p.Source.Collection).Order());
        var damage = Assert.Single(planned, p => p.Source.Damage is not null).Source.Damage!;

        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(request, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal($"{target}.orders", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains(damage.Message, failure.Error.Message);
        Assert.Null(outcome.Namespaces.Single(n => n.TargetNamespace == $"{target}.good").Error);
        Assert.Equal(1, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("good").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.DoesNotContain("orders", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
        return failure.Error;
    }

    /// <summary>Damage to what the whole source depends on: refused in planning and in the restore alike, before anything is written.</summary>
    private async Task<MongoBackupException> RefusedAsync(string source)
    {
        var request = new RestoreRequest
        {
            Connection = Connection, SourcePath = source, Map = new NamespaceMap().Add("*.*", TestDatabases.NewName("bad") + "_*.*"),
        };
        var planned = await Assert.ThrowsAsync<MongoBackupException>(() => RestoreRunner.PlanAsync(request, CancellationToken.None));
        var run = await Assert.ThrowsAsync<MongoBackupException>(() => new RestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None));
        Assert.Equal(planned.Message, run.Message);
        Assert.Equal(ErrorIds.CorruptFile, run.ErrorId);
        return run;
    }

    private static byte[] Gzip(Action<Stream> write)
    {
        var stored = new MemoryStream();
        using (var gzip = new GZipStream(stored, CompressionLevel.SmallestSize, leaveOpen: true)) write(gzip);
        return stored.ToArray();
    }

    [Fact]
    public async Task Metadata_nested_100000_deep_fails_its_namespace_not_a_stack_overflow()
    {
        using var dump = new TempFolder();
        var file = DumpWithMetadata(dump, "orders.metadata.json", Encoding.UTF8.GetBytes(Deep(100_000)));
        var error = await FailsAloneAsync(dump.Path);
        Assert.Contains(file, error.Message);
        Assert.Contains($"deeper than {JsonNesting.MaxDepth} levels at byte offset", error.Message);
    }

    [Fact]
    public async Task An_archive_whose_header_metadata_is_nested_100000_deep_fails_that_namespace_naming_the_archive()
    {
        using var dump = new TempFolder();
        var archive = Path.Combine(dump.Path, "deep.archive");
        var builder = new ArchiveBuilder(("shop", "orders", Deep(100_000), "collection"), ("shop", "good", GoodMetadata, "collection"));
        builder.Segment("shop", "orders", new BsonDocument("_id", 1)).End("shop", "orders")
            .Segment("shop", "good", new BsonDocument("_id", 1)).End("shop", "good");
        await File.WriteAllBytesAsync(archive, builder.ToArray());
        var error = await FailsAloneAsync(archive);
        Assert.Contains("deep.archive", error.Message);
        Assert.Contains($"deeper than {JsonNesting.MaxDepth} levels", error.Message);
    }

    [Fact]
    public async Task A_400_KB_metadata_file_that_inflates_to_400_MiB_fails_its_namespace_without_being_read_whole()
    {
        using var dump = new TempFolder();
        var chunk = new byte[1 << 20];
        chunk.AsSpan().Fill((byte)' ');
        var bomb = Gzip(gzip =>
        {
            gzip.Write("{\"options\":{},\"indexes\":[]"u8);
            for (var i = 0; i < 400; i++) gzip.Write(chunk);
            gzip.Write("}"u8);
        });
        Assert.InRange(bomb.Length, 100_000, 1_000_000);
        var file = DumpWithMetadata(dump, "orders.metadata.json.gz", bomb);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var error = await FailsAloneAsync(dump.Path);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Assert.Contains(file, error.Message);
        Assert.Contains("larger than 16 MiB", error.Message);
        // Planned and run: two reads of at most 16 MiB each (the unfixed restore took 4.5 GB for one).
        Assert.True(allocated < 400L * 1024 * 1024, $"{allocated:N0} bytes allocated");
    }

    public static TheoryData<string, string> BadMetadata => new()
    {
        { "NUL in a key", "{\"options\":{\"a\\u0000b\":1},\"indexes\":[],\"collectionName\":\"orders\"}" },
        { "a number beyond Int64", "{\"options\":{\"size\":99999999999999999999},\"indexes\":[],\"collectionName\":\"orders\"}" },
    };

    [Theory]
    [MemberData(nameof(BadMetadata))]
    public async Task Metadata_the_driver_cannot_take_is_corrupt_naming_the_file_and_fails_its_namespace(string what, string json)
    {
        using var dump = new TempFolder();
        var file = DumpWithMetadata(dump, "orders.metadata.json", Encoding.UTF8.GetBytes(json));
        var error = await FailsAloneAsync(dump.Path);
        Assert.Contains(file, error.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public async Task An_archive_whose_header_lists_nothing_but_whose_body_holds_a_namespace_is_corrupt_not_an_empty_success()
    {
        // Fuzz case 670427487: a header cut to list no collection restored "nothing", successfully, from an archive
        // holding test.bar. The body is read to its end even when nothing is chosen.
        using var dump = new TempFolder();
        var builder = new ArchiveBuilder();
        builder.Segment("shop", "orders", new BsonDocument("_id", 1)).End("shop", "orders");
        var archive = Path.Combine(dump.Path, "unlisted.archive");
        await File.WriteAllBytesAsync(archive, builder.ToArray());

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = archive, Map = new NamespaceMap().Add("*.*", TestDatabases.NewName("bad") + "_*.*"),
        }, CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"'{archive}' at byte offset", error.Message);
        Assert.Contains("'shop.orders', which the archive's header does not list", error.Message);
    }

    [Fact]
    public async Task Bytes_after_an_archives_last_end_marker_fail_the_restore_naming_the_offset_and_keep_the_whole_namespaces()
    {
        using var dump = new TempFolder();
        var builder = new ArchiveBuilder(("shop", "orders", new CollectionMetadata { CollectionName = "orders" }.ToDumpJson(), "collection"));
        builder.Segment("shop", "orders", new BsonDocument("_id", 1), new BsonDocument("_id", 2)).End("shop", "orders");
        var end = builder.Length;
        builder.RawBytes([0x3a, 0x00, 0x00, 0x00, 0x02, 0x64]);
        var archive = Path.Combine(dump.Path, "trailing.archive");
        await File.WriteAllBytesAsync(archive, builder.ToArray());
        var target = TestDatabases.NewName("bad");

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = archive, Map = new NamespaceMap().AddDatabaseRename("shop", target),
        }, CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"'{archive}' at byte offset {end}", error.Message);
        Assert.Contains("1 namespace(s) read before the damage were restored whole", error.Message);
        // The namespace whose end marker and checksum were read is whole, and kept.
        Assert.Equal(2, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Invalid_utf8_in_an_archive_header_is_corrupt_naming_the_archive_and_offset()
    {
        using var dump = new TempFolder();
        var builder = new ArchiveBuilder(("shop", "orders", new CollectionMetadata { CollectionName = "orders" }.ToDumpJson(), "collection"));
        builder.Segment("shop", "orders", new BsonDocument("_id", 1)).End("shop", "orders");
        var bytes = builder.ToArray();
        var at = bytes.AsSpan().IndexOf("100.9.0"u8); // the tool_version string of the header document
        bytes[at] = 0xff;
        var archive = Path.Combine(dump.Path, "utf8.archive");
        await File.WriteAllBytesAsync(archive, bytes);
        var error = await RefusedAsync(archive);
        Assert.Contains($"'{archive}' at byte offset 4", error.Message);
    }

    [Fact]
    public async Task A_snapshot_data_file_missing_fails_its_namespace_naming_it_and_a_changed_one_names_it_without_an_offset()
    {
        var database = TestDatabases.NewName("missing");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", i)));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("other").InsertOneAsync(new BsonDocument("_id", 1));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("kept").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        // gzip, whose header's time byte can change and leave a valid file (below).
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Compression = Compression.Gzip,
        }, CancellationToken.None);
        var items = $"{database}/items.bson.gz";
        var other = $"{database}/other.bson.gz";
        File.Delete(repository.LocalPath(manifest.Id, items)!);
        var changed = repository.LocalPath(manifest.Id, other)!;
        var bytes = await File.ReadAllBytesAsync(changed);
        bytes[4] ^= 1; // the gzip header's time: still valid gzip, but not the stored bytes
        await File.WriteAllBytesAsync(changed, bytes);

        // Checked before anything is written, or read unchecked: each damaged namespace fails on its own file, saying
        // which, and the intact one restores.
        foreach (var verifyFirst in new[] { true, false })
        {
            var observer = new RecordingObserver();
            var target = TestDatabases.NewName("missing_r");
            var outcome = await RestoreAsync(repository, manifest.Id, database, verifyFirst, observer, target);
            Assert.False(outcome.Succeeded);
            Assert.Null(outcome.OplogError);
            var failures = observer.Failures.ToDictionary(f => f.Namespace.Split('.')[1], f => f.Error);
            Assert.Equal(["items", "other"], failures.Keys.Order());
            Assert.Equal(ErrorIds.CorruptFile, failures["items"].ErrorId);
            Assert.Contains($"{manifest.Id}/{items}", failures["items"].Message);
            Assert.Contains("missing", failures["items"].Message);
            Assert.Equal(ErrorIds.CorruptFile, failures["other"].ErrorId);
            Assert.Contains($"{manifest.Id}/{other}", failures["other"].Message);
            Assert.Contains("SHA-256", failures["other"].Message);
            Assert.DoesNotContain("byte offset", failures["other"].Message);
            Assert.Equal(1, outcome.Namespaces.Single(n => n.TargetNamespace == $"{target}.kept").Documents);
            // Checked first, both are found before anything of them is written; unchecked, they are made before their
            // files are opened, and stay empty or as far as the damage let them.
            var collections = await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync();
            // The kept namespace's restore record stays for a -Resume; the failed ones' targets are absent, so theirs go.
            if (verifyFirst) Assert.Equal(["kept", "mongobackup.restoreInProgress"], collections.Order(StringComparer.Ordinal));
            else Assert.Equal(0, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        }
    }

    public static TheoryData<string> ManifestEdits => ["data entry removed", "metadata entry removed", "entry without a path", "id changed"];

    /// <summary>
    /// Found by the fuzzer: a manifest that no longer listed a collection's files restored it empty or left it out,
    /// with success. A collection whose entries are gone fails alone, naming the manifest; a manifest that cannot be
    /// read, or that names another snapshot, refuses the restore.
    /// </summary>
    [Theory]
    [MemberData(nameof(ManifestEdits))]
    public async Task A_manifest_that_lost_a_collections_file_fails_it_naming_the_manifest(string edit)
    {
        var database = TestDatabases.NewName("lost");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", i)));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("kept").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var manifestPath = repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!;
        var text = await File.ReadAllTextAsync(manifestPath);
        bool OfItems(ManifestFile f) => f.Path.StartsWith($"{database}/items.", StringComparison.Ordinal);
        var edited = edit switch
        {
            "data entry removed" => Without(manifest, f => f.Kind == ManifestFileKind.Data && OfItems(f)),
            "metadata entry removed" => Without(manifest, f => f.Kind == ManifestFileKind.Metadata && OfItems(f)),
            "id changed" => text.Replace($"\"id\": \"{manifest.Id}\"", $"\"id\": \"{manifest.Id[..^1]}x\""),
            _ => text.Replace("\"path\"", "\"pathh\""),
        };
        await File.WriteAllTextAsync(manifestPath, edited);

        var observer = new RecordingObserver();
        var target = TestDatabases.NewName("lost_r");
        if (edit is "id changed" or "entry without a path")
        {
            var refused = await Assert.ThrowsAsync<MongoBackupException>(() => RestoreAsync(repository, manifest.Id, database, verifyFirst: true, observer, target));
            // A manifest that does not read at all is the catalog's to report (as a damaged manifest).
            if (edit == "id changed") Assert.Equal(ErrorIds.CorruptFile, refused.ErrorId);
            Assert.Contains(manifest.Id, refused.Message);
            Assert.DoesNotContain(target, await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
            return;
        }
        var outcome = await RestoreAsync(repository, manifest.Id, database, verifyFirst: true, observer, target);
        Assert.False(outcome.Succeeded);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal($"{target}.items", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains($"{manifest.Id}/{SnapshotManifest.FileName}", failure.Error.Message);
        Assert.Equal(1, outcome.Namespaces.Single(n => n.TargetNamespace == $"{target}.kept").Documents);
        Assert.Equal(0, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    public static TheoryData<string> EncryptionDamage => ["no iterations", "two billion iterations", "salt not base64", "wrapped key not base64", "no key derivation"];

    /// <summary>Found by the fuzzer: a renamed kdfIterations field read as 0 and crashed the key derivation.</summary>
    [Theory]
    [MemberData(nameof(EncryptionDamage))]
    public async Task A_damaged_encryption_entry_is_corrupt_naming_the_snapshot_before_any_key_derivation(string damage)
    {
        var database = TestDatabases.NewName("kdf");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var keys = MongoBackup.Engine.Repository.EncryptionKeySource.FromPassphrase(SecureText.Of("a passphrase long enough"));
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);
        var encryption = manifest.Encryption!;
        manifest.Encryption = damage switch
        {
            "no iterations" => encryption with { KdfIterations = 0 },
            "two billion iterations" => encryption with { KdfIterations = 2_000_000_000 },
            "salt not base64" => encryption with { KdfSalt = "!!not base64!!" },
            "no key derivation" => encryption with { Kdf = "" },
            _ => encryption with { WrappedDataKey = "!!not base64!!" },
        };
        await File.WriteAllTextAsync(repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!, manifest.Serialize());

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Encryption = keys,
            Map = new NamespaceMap().AddDatabaseRename(database, TestDatabases.NewName("kdf_r")),
        }, CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"encryption entry of snapshot {manifest.Id}", error.Message);
    }

    private static string Without(SnapshotManifest manifest, Func<ManifestFile, bool> drop)
    {
        var copy = SnapshotManifest.Deserialize(manifest.Serialize(), "copy");
        copy.Files.RemoveAll(f => drop(f));
        return copy.Serialize();
    }

    private Task<RestoreOutcome> RestoreAsync(FolderRepository repository, string id, string database, bool verifyFirst, RecordingObserver observer,
        string? target = null) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, id), VerifyBeforeRestore = verifyFirst,
            Map = new NamespaceMap().AddDatabaseRename(database, target ?? TestDatabases.NewName("missing_r")),
        }, CancellationToken.None);
}
