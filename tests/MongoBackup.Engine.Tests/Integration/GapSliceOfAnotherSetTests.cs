using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// ChainContinuity's other half: a replica set of the same name whose oplog begins after the chain's end (a staging set
/// built this morning, a rebuilt test set) does not hold the chain's entry either, but its oplog does not reach back, so
/// the slice is taken as the chain's own with a gap ("the oplog rolled past"). That slice then becomes the chain's end,
/// and production's next slice, whose oplog does reach back, is refused as "another replica set of the same name":
/// one mistaken run against staging stops production's oplog backups until someone finds and removes that slice.
/// </summary>
public sealed class GapSliceOfAnotherSetTests : IDisposable
{
    private readonly MongoTestServer _production = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private MongoTestServer? _staging;

    public void Dispose()
    {
        _staging?.Dispose();
        _production.Dispose();
    }

    [Fact]
    public async Task A_slice_of_a_newer_set_of_the_same_name_does_not_stop_production_slicing_its_own_chain()
    {
        using var productionClient = new MongoClient(_production.ConnectionString);
        var productionOrders = productionClient.GetDatabase("app").GetCollection<BsonDocument>("orders");
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-0"));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var production = new ConnectionSettings { ConnectionString = _production.ConnectionString };
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = production, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        // Staging is built after production's full backup: its whole oplog is later than the chain's end.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        _staging = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
        using var stagingClient = new MongoClient(_staging.ConnectionString);
        await stagingClient.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "staging"));
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-1"));

        // The mistaken run: a slice of staging into production's repository.
        try
        {
            await new OplogSliceRunner(new RecordingObserver()).RunAsync(
                new OplogSliceRequest { Connection = new ConnectionSettings { ConnectionString = _staging.ConnectionString }, Repository = repository }, CancellationToken.None);
        }
        catch (MongoBackupException) { /* refusing it is a right answer */ }

        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-2"));

        // Production's own scheduled slice must still continue production's chain, whatever was done with staging's:
        // every production write since the full backup, and no staging write, in the chain.
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = production, Repository = repository }, CancellationToken.None);
        var slices = (await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).OrderBy(s => s.OplogEnd!.Value).ToList();
        var captured = new List<string>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, slices, keys: null, CancellationToken.None))
        {
            var entry = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "app.orders") captured.Add(entry["o"]["_id"].AsString);
        }
        Assert.Equal(["production-1", "production-2"], captured);
        Assert.NotNull(slice);
        Assert.Null(slice.Gap);
    }
}
