using System.Security;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Export;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Export;

/// <summary>
/// Export-MongoSnapshot's engine: a zstd, encrypted snapshot becomes a stock mongodump folder or archive (gzip or not)
/// that restores exactly what was backed up; the files are the ones mongodump names; a failed export leaves nothing.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class SnapshotExporterTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Theory]
    [InlineData(ExportFormat.Directory, false)]
    [InlineData(ExportFormat.Directory, true)]
    [InlineData(ExportFormat.Archive, false)]
    [InlineData(ExportFormat.Archive, true)]
    public async Task An_encrypted_zstd_snapshot_exports_to_a_stock_dump_that_restores_exactly(ExportFormat format, bool gzip)
    {
        var database = TestDatabases.NewName("export");
        await RichDataSet.SeedAsync(server.Client, database);
        var before = await DatabaseState.CaptureAsync(server.Client, database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = Compression.Zstd, Encryption = Passphrase(),
            Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        using var output = new TempFolder();
        var destination = Path.Combine(output.Path, format == ExportFormat.Archive ? "dump.archive" : "dump");

        var result = await new SnapshotExporter(new RecordingObserver()).RunAsync(new ExportRequest
        {
            Repository = repository, SnapshotId = manifest.Id, Destination = destination, Format = format, Gzip = gzip, Encryption = Passphrase(),
        }, CancellationToken.None);

        Assert.Equal(manifest.Namespaces.Sum(n => n.Documents), result.Documents);
        Assert.Equal(manifest.OplogEntries, result.OplogEntries);
        Assert.Equal([Path.GetFileName(destination)], Directory.EnumerateFileSystemEntries(output.Path).Select(Path.GetFileName));
        if (format == ExportFormat.Directory)
        {
            var suffix = gzip ? ".gz" : "";
            Assert.True(File.Exists(Path.Combine(destination, database, "people.bson" + suffix)));
            Assert.True(File.Exists(Path.Combine(destination, database, "people.metadata.json" + suffix)));
            Assert.True(File.Exists(Path.Combine(destination, database, "system.buckets.metrics.bson" + suffix)));
            Assert.True(File.Exists(Path.Combine(destination, "oplog.bson")));
            Assert.Empty(Directory.EnumerateFiles(destination, "*.zst", SearchOption.AllDirectories));
        }
        else
        {
            using var head = File.OpenRead(destination);
            var magic = new byte[2];
            head.ReadExactly(magic);
            Assert.Equal(gzip, magic is [0x1f, 0x8b]);
        }

        var target = database + "_x";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = destination, Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)) + outcome.OplogError);
        before.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
    }

    [Fact]
    public async Task An_existing_destination_is_refused_and_a_wrong_key_leaves_nothing()
    {
        var database = TestDatabases.NewName("export_refused");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Encryption = Passphrase(), Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        using var output = new TempFolder();
        File.WriteAllText(Path.Combine(output.Path, "taken"), "x");

        var exists = await Assert.ThrowsAsync<MongoBackupException>(() => Export(repository, manifest.Id, Path.Combine(output.Path, "taken"), Passphrase()));
        Assert.Equal(ErrorIds.TargetNotEmpty, exists.ErrorId);
        var wrongKey = await Assert.ThrowsAsync<MongoBackupException>(() => Export(repository, manifest.Id, Path.Combine(output.Path, "new"), Passphrase("not the export passphrase at all")));
        Assert.Equal(ErrorIds.WrongEncryptionKey, wrongKey.ErrorId);
        Assert.Equal(["taken"], Directory.EnumerateFileSystemEntries(output.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_snapshot_file_damaged_in_the_repository_fails_the_export_naming_it_and_leaves_nothing()
    {
        var database = TestDatabases.NewName("export_damaged");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c")
            .InsertManyAsync(Enumerable.Range(0, 200).Select(i => new BsonDocument { { "_id", i }, { "v", new string('v', 50) } }));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var data = repository.LocalPath(manifest.Id, $"{database}/c.bson")!;
        File.WriteAllBytes(data, File.ReadAllBytes(data)[..^100]);
        using var output = new TempFolder();

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => Export(repository, manifest.Id, Path.Combine(output.Path, "dump"), null));
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"{database}/c.bson", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output.Path));
    }

    [Theory]
    [InlineData(ExportFormat.Directory)]
    [InlineData(ExportFormat.Archive)]
    public async Task An_old_snapshot_holding_the_modules_restore_records_exports_without_them(ExportFormat format)
    {
        // A snapshot taken before backups left the module's records out holds them beside the data; a restore skips
        // them, and so must the dump the export writes, which stock mongorestore would restore as a user collection.
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await Housekeeping.SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-0001", 3,
            collections: ["items", ModuleCollections.RestoreRecords]);
        using var output = new TempFolder();
        var destination = Path.Combine(output.Path, format == ExportFormat.Archive ? "dump.archive" : "dump");

        var result = await new SnapshotExporter(new RecordingObserver()).RunAsync(new ExportRequest
        {
            Repository = repository, SnapshotId = manifest.Id, Destination = destination, Format = format,
        }, CancellationToken.None);

        Assert.Equal((1, 3L), (result.Namespaces, result.Documents));
        await using var dump = DumpReaders.Open(destination);
        Assert.Equal(["shop.items"], dump.Namespaces.Select(n => n.FullName));
    }

    private static Task<ExportResult> Export(ISnapshotRepository repository, string id, string destination, EncryptionKeySource? keys) =>
        new SnapshotExporter(new RecordingObserver()).RunAsync(new ExportRequest
        {
            Repository = repository, SnapshotId = id, Destination = destination, Encryption = keys,
        }, CancellationToken.None);

    private static EncryptionKeySource Passphrase(string text = "an export passphrase")
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return EncryptionKeySource.FromPassphrase(secure);
    }
}
