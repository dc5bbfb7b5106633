using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Real snapshots (plain, or encrypted with a key file) of a database with collections a (20 documents) and b (30),
/// and the hand edits an attacker makes to them: manifest.json rewritten field by field, files swapped or deleted.
/// </summary>
internal sealed class TamperBench(MongoServerFixture server, TempFolder folder)
{
    public string Database { get; } = TestDatabases.NewName("tamper");
    public FolderRepository Repository { get; } = new(Path.Combine(folder.Path, "repo"));
    public EncryptionKeySource? Keys { get; private set; }
    public ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    /// <summary>Seeds the database and takes a full snapshot (encrypted under a fresh key file when asked).</summary>
    public async Task<SnapshotManifest> BackUpAsync(bool encrypted)
    {
        if (encrypted)
        {
            var keyFile = Path.Combine(folder.Path, "backup.key");
            await File.WriteAllTextAsync(keyFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
            Keys = EncryptionKeySource.FromKeyFile(keyFile);
        }
        var db = server.Client.GetDatabase(Database);
        await db.GetCollection<BsonDocument>("a").InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument { { "_id", i }, { "v", "a" + i } }));
        await db.GetCollection<BsonDocument>("b").InsertManyAsync(Enumerable.Range(0, 30).Select(i => new BsonDocument { { "_id", i }, { "v", "b" + i } }));
        // A write while the collections are dumped (after the backup noted where the oplog stood), so its oplog file holds entries.
        var observer = new WriteOnFirstProgress(() => db.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", "during")));
        return await new BackupRunner(observer).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = Repository, Filter = new NamespaceFilter(databases: [Database], collections: ["a", "b"]),
            Encryption = Keys,
        }, CancellationToken.None);
    }

    private sealed class WriteOnFirstProgress(Action write) : IEngineObserver
    {
        private int _written;

        public void Progress(ProgressUpdate update)
        {
            if (Interlocked.Exchange(ref _written, 1) == 0) write();
        }

        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void NamespaceFailed(string ns, MongoBackupException error) { }
    }

    /// <summary>Writes to collection a and saves an oplog slice of it.</summary>
    public async Task<SnapshotManifest> SliceAsync(int id)
    {
        await server.Client.GetDatabase(Database).GetCollection<BsonDocument>("a").InsertOneAsync(new BsonDocument { { "_id", 1000 + id }, { "v", "late" } });
        return (await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest
        {
            Connection = Connection, Repository = Repository, Encryption = Keys,
        }, CancellationToken.None))!;
    }

    public string PathOf(string id, string relative) => Repository.LocalPath(id, relative)!;

    /// <summary>Rewrites manifest.json by hand, as an attacker with write access would (no seal recomputed: they lack the key).</summary>
    public void EditManifest(string id, Action<JsonObject> edit)
    {
        var path = PathOf(id, SnapshotManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The files[] entry of a path, to edit in place.</summary>
    public static JsonObject FileEntry(JsonObject manifest, string path) =>
        manifest["files"]!.AsArray().Select(f => f!.AsObject()).Single(f => (string?)f["path"] == path);

    /// <summary>Sets an entry's size and SHA-256 to what the file now holds, as an attacker "recomputing the hashes" does.</summary>
    public void RecomputeHash(JsonObject manifest, string id, string path)
    {
        var bytes = File.ReadAllBytes(PathOf(id, path));
        var entry = FileEntry(manifest, path);
        entry["size"] = bytes.Length;
        entry["sha256"] = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
    }

    public Task<RestoreOutcome> RestoreAsync(string id, string target) =>
        new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(Repository, id), Encryption = Keys,
            Map = new NamespaceMap().AddDatabaseRename(Database, target),
        }, CancellationToken.None);

    public Task<PointInTimeOutcome> RestoreToAsync(OplogLimit limit, string target) =>
        new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Restore = new RestoreRequest { Connection = Connection, Encryption = Keys, Map = new NamespaceMap().AddDatabaseRename(Database, target) },
            Repository = Repository, Limit = limit,
        }, CancellationToken.None);

    public Task<SnapshotVerification> TestAsync(string id, bool withKey = true) =>
        new SnapshotVerifier(new RecordingObserver()).VerifyAsync(Repository, id, null, withKey ? Keys : null, CancellationToken.None);

    public async Task<bool> ExistsAsync(string database) =>
        (await MongoDB.Driver.IAsyncCursorExtensions.ToListAsync(await server.Client.ListDatabaseNamesAsync())).Contains(database);
}
