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

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A run opens one driver client and closes its cluster (pool, monitors, heartbeats) when it ends, also when it fails:
/// a PowerShell session that runs many restores and policy runs must not gather pools and heartbeats.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClientPerRunTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_point_in_time_restore_opens_one_client_and_closes_it_also_when_it_fails()
    {
        var database = TestDatabases.NewName("clients_pit");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", i)));
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var keys = EncryptionKeySource.FromPassphrase(SecureText.Of("client passphrase"));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);
        await items.InsertOneAsync(new BsonDocument("_id", 100));
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = keys }, CancellationToken.None);
        PointInTimeRestoreRequest Request(ConnectionSettings target) => new()
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice!.OplogEnd!.Value),
            Restore = new RestoreRequest
            {
                Connection = target, Encryption = keys, Map = new NamespaceMap().AddDatabaseRename(database, TestDatabases.NewName("clients_pitr")),
            },
        };

        using (var clients = ClientCounter.Start())
        {
            var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(Request(Connection), CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
            Assert.Equal((1, 1), (clients.Opened, clients.Closed));
        }
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
    public async Task A_policy_run_opens_one_client_whatever_it_does_and_closes_it_also_when_it_fails()
    {
        var database = TestDatabases.NewName("clients_policy");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", i)));
        using var folder = new TempFolder();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var request = new BackupPolicyRequest
        {
            Connection = Connection, Repository = new FolderRepository(folder.Path), FullEvery = TimeSpan.FromMinutes(1),
            Filter = new NamespaceFilter(databases: [database]), Retention = new RetentionRules { KeepLast = 1 },
        };
        var runner = new BackupPolicyRunner(new RecordingObserver(), clock);
        var runs = new List<string>();
        async Task Run(BackupPolicyRequest policy)
        {
            using var clients = ClientCounter.Start();
            string action;
            try { action = (await runner.RunAsync(policy, CancellationToken.None)).Action.ToString(); }
            catch (MongoBackupException e) { action = $"failed ({e.ErrorId})"; }
            runs.Add($"{action}: {clients.Opened} opened, {clients.Closed} closed");
        }

        await Run(request);
        await items.InsertOneAsync(new BsonDocument("_id", 100));
        await Run(request);
        clock.Advance(TimeSpan.FromMinutes(2));
        await Run(request);
        // A full of a database that is not there fails once its client is open.
        clock.Advance(TimeSpan.FromMinutes(2));
        await Run(request with { Filter = new NamespaceFilter(databases: [TestDatabases.NewName("clients_none")]) });

        Assert.Equal([
            "Full: 1 opened, 1 closed", "Slice: 1 opened, 1 closed", "Full: 1 opened, 1 closed", $"failed ({ErrorIds.DatabaseNotFound}): 1 opened, 1 closed",
        ], runs);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
