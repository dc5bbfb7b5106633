using System.IO.Compression;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Fuzz;

public enum SeedKind { Folder, Archive, Snapshot }

/// <summary>One undamaged input: where it is, and what restoring it yields (per source namespace, its documents).</summary>
public sealed record FuzzSeed(string Name, SeedKind Kind, string Path, string? SnapshotId = null, EncryptionKeySource? Keys = null)
{
    public Dictionary<string, List<string>> Baseline { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The inputs the fuzzer damages, all in a temporary folder: copies of real mongodump folders and an archive from the
/// mongo-tools fixtures (plain and gzip), a gzip archive, and our own snapshots made by BackupRunner (gzip, zstd,
/// none, encrypted) with a mongodump folder copied from one of them.
/// </summary>
public static class FuzzCorpus
{
    // longindextestdump, not indextestdump: the latter's index has a pre-3.4 key MongoDB 3.4+ refuses, so it is no
    // undamaged seed that restores (MongoToolsFixtureRestoreTests has it fail as mongorestore fails).
    private static readonly string[] FixtureFolders =
        ["longindextestdump", "coll_with_index", "specialcharacter", "prelude_test/prelude_gzip", "oplogdump"];

    public static async Task<List<FuzzSeed>> BuildAsync(MongoServerFixture server, string root)
    {
        var seeds = new List<FuzzSeed>();
        foreach (var fixture in FixtureFolders)
        {
            var copy = System.IO.Path.Combine(root, "seeds", fixture.Replace('/', '_'));
            CopyTree(FixturePaths.Get("mongorestore/testdata/" + fixture), copy);
            seeds.Add(new FuzzSeed(fixture, SeedKind.Folder, copy));
        }
        var archive = System.IO.Path.Combine(root, "seeds", "test.bar.archive");
        File.Copy(FixturePaths.Get("mongorestore/testdata/test.bar.archive"), archive);
        seeds.Add(new FuzzSeed("test.bar.archive", SeedKind.Archive, archive));
        var gzipArchive = archive + ".gz";
        await using (var gzip = new GZipStream(File.Create(gzipArchive), CompressionLevel.Fastest))
            await gzip.WriteAsync(await File.ReadAllBytesAsync(archive));
        seeds.Add(new FuzzSeed("test.bar.archive.gz", SeedKind.Archive, gzipArchive));

        var database = TestDatabases.NewName("fuzzsrc");
        await SeedDatabaseAsync(server.Client, database);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        foreach (var (name, compression, encrypted) in new[]
                 { ("gzip", Compression.Gzip, false), ("zstd", Compression.Zstd, false), ("none", Compression.None, false), ("encrypted", Compression.Gzip, true) })
        {
            var repositoryFolder = System.IO.Path.Combine(root, "repos", name);
            var keys = encrypted ? EncryptionKeySource.FromPassphrase(SecureText.Of("a passphrase for the fuzzer")) : null;
            var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
            {
                Connection = connection, Repository = new FolderRepository(repositoryFolder), Compression = compression, Encryption = keys,
                Filter = new NamespaceFilter(databases: [database]),
            }, CancellationToken.None);
            seeds.Add(new FuzzSeed("snapshot-" + name, SeedKind.Snapshot, repositoryFolder, manifest.Id, keys));
            if (name == "gzip")
            {
                var folder = System.IO.Path.Combine(root, "seeds", "ours-gzip-folder");
                CopyTree(System.IO.Path.Combine(repositoryFolder, manifest.Id), folder);
                // A mongodump folder: without the manifest, and without the mark that would make it an unfinished snapshot.
                File.Delete(System.IO.Path.Combine(folder, SnapshotManifest.FileName));
                File.Delete(System.IO.Path.Combine(folder, SnapshotFolderMarker.FileName));
                seeds.Add(new FuzzSeed("ours-gzip-folder", SeedKind.Folder, folder));
            }
        }
        await server.Client.DropDatabaseAsync(database);
        return seeds;
    }

    /// <summary>A little of every shape: strings, numbers, arrays, binary, nested documents, dates; an index; an empty collection.</summary>
    private static async Task SeedDatabaseAsync(IMongoClient client, string database)
    {
        var db = client.GetDatabase(database);
        var random = new Random(7);
        var items = Enumerable.Range(0, 150).Select(i =>
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            return new BsonDocument
            {
                { "_id", i }, { "name", $"item {i}" }, { "price", i * 1.25 }, { "tags", new BsonArray(Enumerable.Range(0, i % 5).Select(t => $"t{t}")) },
                { "blob", new BsonBinaryData(bytes) }, { "made", new BsonDateTime(DateTime.UnixEpoch.AddDays(i)) },
                { "detail", new BsonDocument { { "depth", new BsonDocument("level", i % 3) }, { "note", new string('n', i % 40) } } },
            };
        });
        await db.GetCollection<BsonDocument>("items").InsertManyAsync(items);
        await db.GetCollection<BsonDocument>("items").Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1)));
        await db.GetCollection<BsonDocument>("small").InsertManyAsync([new BsonDocument("_id", "a"), new BsonDocument("_id", "b"), new BsonDocument("_id", "c")]);
        await db.CreateCollectionAsync("empty");
    }

    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetFileName(file));
            File.Copy(file, target);
            File.SetAttributes(target, FileAttributes.Normal); // the fixtures are read-only
        }
        foreach (var folder in Directory.EnumerateDirectories(from))
            CopyTree(folder, System.IO.Path.Combine(to, System.IO.Path.GetFileName(folder)));
    }
}
