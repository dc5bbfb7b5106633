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
/// writes. Each set is its replicaSetId (settings.replicaSetId, chosen at replSetInitiate: src/mongo/db/repl/repl_set_config.cpp),
/// so each chains on its own full snapshots and slices; a set with no full snapshot of its own is refused, naming the other's.
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
            Assert.Contains("holds no full snapshot of replica set 'rs0' (replicaSetId ", refusal.Message);
            Assert.Contains($"snapshot {full.Id} of replicaSetId {full.Source.ReplicaSetId}", refusal.Message);
        }
        Assert.Equal(before, Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public async Task Each_set_of_the_same_name_chains_its_slices_on_its_own_full_snapshot_in_one_repository()
    {
        using var stagingClient = new MongoClient(_staging.ConnectionString);
        using var productionClient = new MongoClient(_production.ConnectionString);
        var stagingOrders = stagingClient.GetDatabase("app").GetCollection<BsonDocument>("orders");
        var productionOrders = productionClient.GetDatabase("app").GetCollection<BsonDocument>("orders");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-0"));
        var productionFull = await FullAsync(_production, repository);
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-1"));
        var productionFirst = await SliceAsync(_production, repository);
        await stagingOrders.InsertOneAsync(new BsonDocument("_id", "staging-0"));
        var stagingFull = await FullAsync(_staging, repository);
        await stagingOrders.InsertOneAsync(new BsonDocument("_id", "staging-1"));

        // Staging's slices start at staging's own full snapshot, not at production's slice, and continue each other.
        var stagingFirst = await SliceAsync(_staging, repository);
        Assert.NotNull(stagingFirst);
        Assert.Equal(stagingFull.ConsistentAt!.Timestamp, stagingFirst.PreviousSliceEnd);
        Assert.Null(stagingFirst.Gap);
        Assert.Equal(stagingFull.Source.ReplicaSetId, stagingFirst.Source.ReplicaSetId);
        await stagingOrders.InsertOneAsync(new BsonDocument("_id", "staging-2"));
        var stagingSecond = await SliceAsync(_staging, repository);
        Assert.Equal(stagingFirst.OplogEnd, stagingSecond!.PreviousSliceEnd);

        // Production's next slice continues production's, whatever staging wrote in between.
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-2"));
        var productionSecond = await SliceAsync(_production, repository);
        Assert.NotNull(productionFirst);
        Assert.Equal(productionFirst.OplogEnd, productionSecond!.PreviousSliceEnd);
        Assert.Null(productionSecond.Gap);

        var snapshots = await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None);
        Assert.Equal(["production-1", "production-2"], await InsertedAsync(repository, [productionFirst, productionSecond]));
        Assert.Equal(["staging-1", "staging-2"], await InsertedAsync(repository, [stagingFirst, stagingSecond]));
        var windows = RestoreWindows.Compute(snapshots);
        var production = Assert.Single(windows, w => w.SourceId == productionFull.Source.ReplicaSetId);
        Assert.Equal(productionFull.Id, production.BaseSnapshot.Id);
        Assert.Equal([productionFirst.Id, productionSecond.Id], production.Slices.Select(s => s.Id));
        var staging = Assert.Single(windows, w => w.SourceId == stagingFull.Source.ReplicaSetId);
        Assert.Equal(stagingFull.Id, staging.BaseSnapshot.Id);
        Assert.Equal([stagingFirst.Id, stagingSecond.Id], staging.Slices.Select(s => s.Id));
    }

    private static Task<SnapshotManifest> FullAsync(MongoTestServer server, FolderRepository repository) =>
        new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, Repository = repository,
            Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);

    private static Task<SnapshotManifest?> SliceAsync(MongoTestServer server, FolderRepository repository) =>
        new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, Repository = repository }, CancellationToken.None);

    private static async Task<List<string>> InsertedAsync(FolderRepository repository, IReadOnlyList<SnapshotManifest> slices)
    {
        var inserted = new List<string>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, slices, keys: null, CancellationToken.None))
        {
            var entry = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "app.orders") inserted.Add(entry["o"]["_id"].AsString);
        }
        return inserted;
    }
}
