using System.IO.Compression;
using System.Text;
using MongoBackup.Engine.Catalog;
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
/// The inputs of issue 15 that crashed the process, filled its memory or ended in an error without a name: each is
/// refused as CorruptFile naming the file (and the offset where it has one), in -WhatIf planning and in the restore.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class BadInputRestoreTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private static string Deep(int levels) =>
        "{\"options\":" + string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels) + ",\"indexes\":[]}";

    /// <summary>A dump folder with one collection: its metadata file as given, and a data file of one document.</summary>
    private static string DumpWithMetadata(TempFolder dump, string metadataName, byte[] metadata)
    {
        var db = Path.Combine(dump.Path, "shop");
        Directory.CreateDirectory(db);
        File.WriteAllBytes(Path.Combine(db, "orders.bson"), new BsonDocument("_id", 1).ToBson());
        File.WriteAllBytes(Path.Combine(db, metadataName), metadata);
        return Path.Combine("shop", metadataName);
    }

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
    public async Task Metadata_nested_100000_deep_is_refused_not_a_stack_overflow()
    {
        using var dump = new TempFolder();
        var file = DumpWithMetadata(dump, "orders.metadata.json", Encoding.UTF8.GetBytes(Deep(100_000)));
        var error = await RefusedAsync(dump.Path);
        Assert.Contains(file, error.Message);
        Assert.Contains($"deeper than {JsonNesting.MaxDepth} levels at byte offset", error.Message);
    }

    [Fact]
    public async Task An_archive_whose_header_metadata_is_nested_100000_deep_is_refused_naming_it()
    {
        using var dump = new TempFolder();
        var archive = Path.Combine(dump.Path, "deep.archive");
        var builder = new ArchiveBuilder(("shop", "orders", Deep(100_000), "collection"));
        builder.Segment("shop", "orders", new BsonDocument("_id", 1)).End("shop", "orders");
        await File.WriteAllBytesAsync(archive, builder.ToArray());
        var error = await RefusedAsync(archive);
        Assert.Contains("deep.archive", error.Message);
        Assert.Contains($"deeper than {JsonNesting.MaxDepth} levels", error.Message);
    }

    [Fact]
    public async Task A_400_KB_metadata_file_that_inflates_to_400_MiB_is_refused_without_reading_it_whole()
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
        var error = await RefusedAsync(dump.Path);
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
    public async Task Metadata_the_driver_cannot_take_is_corrupt_naming_the_file(string what, string json)
    {
        using var dump = new TempFolder();
        var file = DumpWithMetadata(dump, "orders.metadata.json", Encoding.UTF8.GetBytes(json));
        var error = await RefusedAsync(dump.Path);
        Assert.Contains(file, error.Message);
        Assert.False(string.IsNullOrEmpty(what));
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
    public async Task A_snapshot_data_file_missing_is_corrupt_naming_it_and_a_changed_one_names_it_without_an_offset()
    {
        var database = TestDatabases.NewName("missing");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", i)));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("other").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var items = $"{database}/items.bson.gz";
        var other = $"{database}/other.bson.gz";
        File.Delete(repository.LocalPath(manifest.Id, items)!);
        var changed = repository.LocalPath(manifest.Id, other)!;
        var bytes = await File.ReadAllBytesAsync(changed);
        bytes[4] ^= 1; // the gzip header's time: still valid gzip, but not the stored bytes
        await File.WriteAllBytesAsync(changed, bytes);

        // Checked before anything is written: refused whole, naming the missing file.
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => RestoreAsync(repository, manifest.Id, database, verifyFirst: true, new RecordingObserver()));
        Assert.Equal(ErrorIds.CorruptFile, refused.ErrorId);
        Assert.Contains($"{manifest.Id}/{items}", refused.Message);
        Assert.Contains("missing", refused.Message);

        // Unchecked: each namespace fails on its own file, and says which.
        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(repository, manifest.Id, database, verifyFirst: false, observer);
        Assert.False(outcome.Succeeded);
        var failures = observer.Failures.ToDictionary(f => f.Namespace.Split('.')[1], f => f.Error);
        Assert.Equal(ErrorIds.CorruptFile, failures["items"].ErrorId);
        Assert.Contains($"{manifest.Id}/{items}", failures["items"].Message);
        Assert.Contains($"{manifest.Id}/{other}", failures["other"].Message);
        Assert.Contains("SHA-256", failures["other"].Message);
        Assert.DoesNotContain("byte offset 0", failures["other"].Message);
    }

    public static TheoryData<string> ManifestEdits => ["data entry removed", "metadata entry removed", "entry without a path", "id changed"];

    /// <summary>Found by the fuzzer: a manifest that no longer listed a collection's files restored it empty or left it out, with success.</summary>
    [Theory]
    [MemberData(nameof(ManifestEdits))]
    public async Task A_manifest_that_lost_a_collections_file_is_refused_naming_it(string edit)
    {
        var database = TestDatabases.NewName("lost");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", i)));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var manifestPath = repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!;
        var text = await File.ReadAllTextAsync(manifestPath);
        var edited = edit switch
        {
            "data entry removed" => Without(manifest, f => f.Kind == ManifestFileKind.Data),
            "metadata entry removed" => Without(manifest, f => f.Kind == ManifestFileKind.Metadata),
            "id changed" => text.Replace($"\"id\": \"{manifest.Id}\"", $"\"id\": \"{manifest.Id[..^1]}x\""),
            _ => text.Replace("\"path\"", "\"pathh\""),
        };
        await File.WriteAllTextAsync(manifestPath, edited);

        var observer = new RecordingObserver();
        RestoreOutcome? outcome = null;
        var error = await Record.ExceptionAsync(async () => outcome = await RestoreAsync(repository, manifest.Id, database, verifyFirst: true, observer));
        var refusal = error as MongoBackupException ?? Assert.Single(observer.Failures).Error;
        Assert.True(error is MongoBackupException || outcome is { Succeeded: false }, refusal.Message);
        // A manifest that does not read at all is the catalog's to report (as a damaged manifest); the files it lost are CorruptFile.
        if (edit != "entry without a path") Assert.Equal(ErrorIds.CorruptFile, refusal.ErrorId);
        Assert.Contains(manifest.Id, refusal.Message);
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
        var keys = MongoBackup.Engine.Security.EncryptionKeySource.FromPassphrase(SecureText.Of("a passphrase long enough"));
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

    private Task<RestoreOutcome> RestoreAsync(FolderRepository repository, string id, string database, bool verifyFirst, RecordingObserver observer) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, id), VerifyBeforeRestore = verifyFirst,
            Map = new NamespaceMap().AddDatabaseRename(database, TestDatabases.NewName("missing_r")),
        }, CancellationToken.None);
}
