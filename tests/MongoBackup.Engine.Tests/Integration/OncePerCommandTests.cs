using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Security;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// What a command costs outside its data. The catalog (every manifest; on an object store one request each) is listed
/// at most once, and a snapshot named by its exact id is read alone: a repository of thousands of snapshots is not
/// listed four times to restore one of them. A run opens one driver client and closes its cluster (pool, monitors)
/// when it ends, also when it fails: a PowerShell session of many runs does not gather pools and heartbeats.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class OncePerCommandTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_point_in_time_restore_lists_the_catalog_once_and_opens_one_client_closed_also_when_it_fails()
    {
        var (database, items) = await SeedAsync("once_pit", 50);
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        var keys = EncryptionKeySource.FromPassphrase(SecureText.Of("pit passphrase"));
        await BackUpAsync(repository, database, keys);
        using var session = await server.Client.StartSessionAsync();
        await items.InsertOneAsync(session, new BsonDocument("_id", 100));
        var moment = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        await SliceAsync(repository, keys);
        await items.InsertOneAsync(new BsonDocument("_id", 200));
        await SliceAsync(repository, keys);
        var target = TestDatabases.NewName("once_pitr");
        PointInTimeRestoreRequest Request(ConnectionSettings into) => new()
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
            Restore = new RestoreRequest { Connection = into, Encryption = keys, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        };

        repository.Reset();
        using (var clients = ClientCounter.Start())
        {
            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(Request(Connection), CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
            Assert.Equal((1, 1), (clients.Opened, clients.Closed));
        }
        Assert.Equal(51, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(1, repository.Lists);

        using (var clients = ClientCounter.Start())
        {
            // A target that does not answer: the run fails once its client is open.
            var silent = new ConnectionSettings { ConnectionString = $"mongodb://127.0.0.1:{FreePort()}/?directConnection=true", ConnectTimeout = TimeSpan.FromSeconds(1) };
            var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
                new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(Request(silent), CancellationToken.None));
            Assert.Equal(ErrorIds.ServerUnreachable, refused.ErrorId);
            Assert.Equal((1, 1), (clients.Opened, clients.Closed));
        }
    }

    [Fact]
    public async Task Each_policy_run_lists_the_catalog_once_and_opens_one_client_closed_also_when_it_fails()
    {
        var (database, items) = await SeedAsync("once_policy", 20);
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // A passphrase without repository settings: the salt is found among the snapshots already there.
        var request = new BackupPolicyRequest
        {
            Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromMinutes(1),
            Filter = new NamespaceFilter(databases: [database]), Retention = new RetentionRules { KeepLast = 1 },
            Encryption = EncryptionKeySource.FromPassphrase(SecureText.Of("policy passphrase")),
        };
        var runner = new BackupPolicyRunner(new RecordingObserver(), clock);
        var runs = new List<string>();
        async Task<BackupPolicyResult?> Run(BackupPolicyRequest policy)
        {
            repository.Reset();
            using var clients = ClientCounter.Start();
            BackupPolicyResult? result = null;
            string action;
            try { action = (result = await runner.RunAsync(policy, CancellationToken.None)).Action.ToString(); }
            catch (MongoBackupException e) { action = $"failed ({e.ErrorId})"; }
            runs.Add($"{action}: {repository.Lists} listing, {clients.Opened} client opened, {clients.Closed} closed");
            return result;
        }

        var first = await Run(request);
        await items.InsertOneAsync(new BsonDocument("_id", 100));
        var slice = await Run(request);
        clock.Advance(TimeSpan.FromMinutes(2));
        var second = await Run(request);
        // A full of a database that is not there fails once its client is open.
        clock.Advance(TimeSpan.FromMinutes(2));
        await Run(request with { Filter = new NamespaceFilter(databases: [TestDatabases.NewName("once_none")]) });

        Assert.Equal([
            "Full: 1 listing, 1 client opened, 1 closed", "Slice: 1 listing, 1 client opened, 1 closed",
            "Full: 1 listing, 1 client opened, 1 closed", $"failed ({ErrorIds.DatabaseNotFound}): 1 listing, 1 client opened, 1 closed",
        ], runs);
        Assert.Equal([first!.Snapshot!.Id, slice!.Snapshot!.Id], second!.Removed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Finding_a_snapshot_by_its_id_reads_its_manifest_alone_without_listing()
    {
        var (database, _) = await SeedAsync("once_find", 1);
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        await BackUpAsync(repository, database);
        var wanted = await BackUpAsync(repository, database);

        repository.Reset();
        var found = await SnapshotCatalog.FindAsync(repository, wanted.Id, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<MongoBackupException>(() => SnapshotCatalog.FindAsync(repository, "20260101T000000Z-full-0000", CancellationToken.None));

        Assert.Equal(wanted.Id, found.Id);
        Assert.Equal(ErrorIds.SnapshotNotFound, missing.ErrorId);
        Assert.Equal(0, repository.Lists);
        Assert.Equal(1, repository.ManifestReads[wanted.Id]);
        Assert.Equal(2, repository.ManifestReads.Count);
    }

    [Fact]
    public async Task A_restore_of_an_encrypted_snapshot_by_id_reads_its_manifest_alone_without_listing()
    {
        var (database, _) = await SeedAsync("once_enc", 500);
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        var keys = EncryptionKeySource.FromPassphrase(SecureText.Of("restore passphrase"));
        await BackUpAsync(repository, database, keys);
        var snapshot = await BackUpAsync(repository, database, keys);

        repository.Reset();
        var target = TestDatabases.NewName("once_encr");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, snapshot.Id),
            Encryption = EncryptionKeySource.FromPassphrase(SecureText.Of("restore passphrase")),
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(500, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(0, repository.Lists);
        Assert.Equal([KeyValuePair.Create(snapshot.Id, 1)], repository.ManifestReads);
    }

    [Fact]
    public async Task A_one_shot_slice_judges_its_key_once_with_one_settings_read_before_it_writes()
    {
        var (database, items) = await SeedAsync("once_key", 10);
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        var keys = EncryptionKeySource.FromPassphrase(SecureText.Of("slice passphrase"));
        await BackUpAsync(repository, database, keys);
        await items.InsertOneAsync(new BsonDocument("_id", 100));
        repository.Reset();

        await SliceAsync(repository, keys);

        // The key judged once, before "nothing new" and handed on to the slice; then one read after the commit (whether the pin moved meanwhile).
        Assert.Equal(2, repository.SettingsReads);
    }

    private async Task<(string Database, IMongoCollection<BsonDocument> Items)> SeedAsync(string purpose, int documents)
    {
        var database = TestDatabases.NewName(purpose);
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, documents).Select(i => new BsonDocument { { "_id", i }, { "v", new string('x', 100) } }));
        return (database, items);
    }

    private async Task<SnapshotManifest> BackUpAsync(ISnapshotRepository repository, string database, EncryptionKeySource? keys = null) =>
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);

    private async Task SliceAsync(ISnapshotRepository repository, EncryptionKeySource keys) =>
        Assert.NotNull(await new OplogSliceRunner(new RecordingObserver())
            .RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = keys }, CancellationToken.None));

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
