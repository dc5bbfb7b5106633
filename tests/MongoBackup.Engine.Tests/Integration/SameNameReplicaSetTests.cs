using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Two replica sets of one name (rs0, the default of many deployments) backed up into one repository: a slice of the
/// second must not continue the first one's chain, or a point-in-time restore of the first would replay the second's
/// writes. The second's oplog reaches back before the chain's end but does not hold the entry it ends at: refused.
/// Each test starts its own two servers.
/// </summary>
public sealed class SameNameReplicaSetTests : IDisposable
{
    // Started first, so its oplog reaches back before the other server's full backup.
    private readonly MongoTestServer _staging = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly MongoTestServer _production = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    public void Dispose()
    {
        _staging.Dispose();
        _production.Dispose();
    }

    [Fact]
    public async Task A_slice_of_another_replica_set_of_the_same_name_is_refused_once_and_continuous_and_writes_nothing()
    {
        using var stagingClient = new MongoClient(_staging.ConnectionString);
        await stagingClient.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "staging-before"));
        using var productionClient = new MongoClient(_production.ConnectionString);
        await productionClient.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "production"));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = _production.ConnectionString }, Repository = repository,
            Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        await stagingClient.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "staging-after"));
        var before = Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList();
        var staging = new OplogSliceRequest { Connection = new ConnectionSettings { ConnectionString = _staging.ConnectionString }, Repository = repository };

        var once = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogSliceRunner(new RecordingObserver()).RunAsync(staging, CancellationToken.None));
        var continuous = await Assert.ThrowsAsync<MongoBackupException>(() => new ContinuousOplogCapture(new RecordingObserver()).RunAsync(
            new ContinuousCaptureRequest { Slice = staging, SliceInterval = TimeSpan.FromHours(1), Duration = TimeSpan.FromMinutes(5) }, CancellationToken.None));

        foreach (var refusal in new[] { once, continuous })
        {
            Assert.Equal(ErrorIds.NoBaseSnapshot, refusal.ErrorId);
            Assert.Contains($"does not hold the entry the chain ends at ({full.ConsistentAt!.Timestamp},", refusal.Message);
        }
        Assert.Equal(before, Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList());
    }
}
