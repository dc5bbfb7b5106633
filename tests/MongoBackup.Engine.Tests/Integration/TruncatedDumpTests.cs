using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A dump file that does not end where its format says fails its namespace, naming the file and the offset, and the
/// restore does not report success (stock mongorestore fails these with "unexpected EOF"). A 0-byte .bson is an empty
/// collection, as mongodump writes one; a 0-byte .bson.gz is not something mongodump writes (its gzip writer puts a
/// header and trailer in every file, mongodump/mongodump.go), and Go's gzip reader refuses it.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class TruncatedDumpTests(MongoServerFixture server)
{
    private const int Documents = 2000;

    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private static byte[] Bson()
    {
        var plain = new MemoryStream();
        for (var i = 0; i < Documents; i++)
            plain.Write(new BsonDocument { { "_id", i }, { "text", $"document {i} " + new string('x', i % 200) } }.ToBson());
        return plain.ToArray();
    }

    private static byte[] Gzip(byte[] plain)
    {
        var stored = new MemoryStream();
        using (var gzip = new GZipStream(stored, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(plain);
        return stored.ToArray();
    }

    /// <summary>
    /// The documents gzipped with a sync flush after each, and the stored length at the flush after two thirds of them:
    /// a cut there leaves whole documents only, so nothing but the gzip framing can tell that the rest is missing.
    /// </summary>
    private static (byte[] Stored, int CutAt) GzipWithFlushes()
    {
        var stored = new MemoryStream();
        var cutAt = 0;
        using (var gzip = new GZipStream(stored, CompressionLevel.Optimal, leaveOpen: true))
            for (var i = 0; i < Documents; i++)
            {
                gzip.Write(new BsonDocument { { "_id", i }, { "text", $"document {i} " + new string('x', i % 200) } }.ToBson());
                gzip.Flush();
                if (i == Documents * 2 / 3) cutAt = (int)stored.Length;
            }
        return (stored.ToArray(), cutAt);
    }

    private static byte[] Zstd(byte[] plain)
    {
        var stored = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), Compression.Zstd)) writer.Write(plain);
        return stored.ToArray();
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "items.bson.gz", "cut at two thirds" },
        { "items.bson.gz", "cut at two thirds, between documents" },
        { "items.bson.gz", "empty" },
        { "items.bson.gz", "trailing garbage" },
        { "items.bson.gz", "trailer cut" },
        { "items.bson.zst", "cut at two thirds" },
        { "items.bson.zst", "empty" },
        { "items.bson", "cut at two thirds" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task A_data_file_that_does_not_end_where_its_format_says_fails_its_namespace(string file, string damage)
    {
        var plain = Bson();
        var whole = file.EndsWith(".gz") ? Gzip(plain) : file.EndsWith(".zst") ? Zstd(plain) : plain;
        var bytes = damage switch
        {
            "cut at two thirds, between documents" => GzipWithFlushes().Stored[..GzipWithFlushes().CutAt],
            "cut at two thirds" => whole[..(whole.Length * 2 / 3)],
            "empty" => [],
            "trailing garbage" => [.. whole, .. "garbage"u8.ToArray()],
            "trailer cut" => whole[..^3],
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        using var dump = new TempFolder();
        var database = TestDatabases.NewName("cut");
        Directory.CreateDirectory(Path.Combine(dump.Path, database));
        await File.WriteAllBytesAsync(Path.Combine(dump.Path, database, file), bytes);

        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest { Connection = Connection, SourcePath = dump.Path }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains(Path.Combine(database, file), failure.Error.Message);
        Assert.Contains("byte offset", failure.Error.Message);
        Assert.Contains("not fully restored", outcome.Namespaces.Single().Error);
        Assert.True(await CountAsync(database, "items") < Documents);
    }

    [Fact]
    public async Task A_zero_byte_bson_file_is_an_empty_collection_as_mongodump_writes_it()
    {
        using var dump = new TempFolder();
        var database = TestDatabases.NewName("empty");
        Directory.CreateDirectory(Path.Combine(dump.Path, database));
        await File.WriteAllBytesAsync(Path.Combine(dump.Path, database, "items.bson"), []);
        await File.WriteAllTextAsync(Path.Combine(dump.Path, database, "items.metadata.json"),
            """{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"}],"collectionName":"items","type":"collection"}""");

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest { Connection = Connection, SourcePath = dump.Path }, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Contains("items", await (await server.Client.GetDatabase(database).ListCollectionNamesAsync()).ToListAsync());
        Assert.Equal(0, await CountAsync(database, "items"));
    }

    [Fact]
    public async Task A_gzip_archive_cut_short_fails_naming_the_archive()
    {
        var source = TestDatabases.NewName("arch");
        using var dump = new TempFolder();
        // An archive of our own making is not at hand: gzip the mongo-tools fixture archive and cut it.
        var plain = await File.ReadAllBytesAsync(MongoBackup.Tests.FixturePaths.Get("mongorestore/testdata/test.bar.archive"));
        var gz = Gzip(plain);
        var archive = Path.Combine(dump.Path, "dump.archive.gz");
        await File.WriteAllBytesAsync(archive, gz[..(gz.Length * 2 / 3)]);

        var observer = new RecordingObserver();
        RestoreOutcome? outcome = null;
        var error = await Record.ExceptionAsync(async () => outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = archive, Map = new NamespaceMap().Add("*.*", source + "_*.*"), NoOplogReplay = true,
        }, CancellationToken.None));

        // Cut in its header the archive is refused whole; cut later, every namespace it holds fails.
        var message = error?.Message ?? string.Join("; ", observer.Failures.Select(f => f.Error.Message));
        Assert.True(error is MongoBackupException { ErrorId: ErrorIds.CorruptFile } || outcome is { Succeeded: false }, message);
        Assert.Contains("dump.archive.gz", message);
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task A_snapshot_data_file_cut_short_is_refused_naming_it(Compression compression)
    {
        var database = TestDatabases.NewName("snapcut");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, Documents).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Compression = compression,
        }, CancellationToken.None);
        var stored = DumpLayout.DataFile(database, "items", compression);
        var data = repository.LocalPath(manifest.Id, stored)!;
        var bytes = await File.ReadAllBytesAsync(data);
        await File.WriteAllBytesAsync(data, bytes[..(bytes.Length * 2 / 3)]);

        foreach (var verifyFirst in new[] { true, false })
        {
            var target = TestDatabases.NewName("snapcut_r");
            var observer = new RecordingObserver();
            RestoreOutcome? outcome = null;
            var error = await Record.ExceptionAsync(async () => outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
            {
                Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), VerifyBeforeRestore = verifyFirst,
                Map = new NamespaceMap().AddDatabaseRename(database, target),
            }, CancellationToken.None));
            var message = error?.Message ?? Assert.Single(observer.Failures).Error.Message;
            Assert.True(error is MongoBackupException { ErrorId: ErrorIds.CorruptFile } || outcome is { Succeeded: false }, message);
            Assert.Contains($"{manifest.Id}/{stored}", message);
            if (verifyFirst) Assert.Equal(0, await CountAsync(target, "items"));
        }
    }

    private Task<long> CountAsync(string database, string collection) =>
        server.Client.GetDatabase(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
}
