using System.Text.Json.Nodes;
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
/// The set's identity (settings.replicaSetId, recorded in its snapshots) tells them apart; a chain whose snapshot predates
/// the record takes the newer set's slice with a gap, as before.
/// </summary>
public sealed class GapSliceOfAnotherSetTests : IDisposable
{
    private readonly MongoTestServer _production = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly TempFolder _repo = new();
    private readonly FolderRepository _repository;
    private MongoTestServer? _staging;

    public GapSliceOfAnotherSetTests() => _repository = new FolderRepository(_repo.Path);

    public void Dispose()
    {
        _staging?.Dispose();
        _production.Dispose();
        _repo.Dispose();
    }

    [Fact]
    public async Task A_slice_of_a_newer_set_of_the_same_name_does_not_stop_production_slicing_its_own_chain()
    {
        using var productionClient = new MongoClient(_production.ConnectionString);
        var productionOrders = productionClient.GetDatabase("app").GetCollection<BsonDocument>("orders");
        await FullThenNewerSetAsync();
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-1"));

        // The mistaken run: a slice of staging into production's repository.
        try { await StagingSliceAsync(); }
        catch (MongoBackupException) { /* refusing it is a right answer */ }

        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-2"));

        // Production's own scheduled slice must still continue production's chain, whatever was done with staging's:
        // every production write since the full backup, and no staging write, in the chain.
        var production = new ConnectionSettings { ConnectionString = _production.ConnectionString };
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = production, Repository = _repository }, CancellationToken.None);
        var slices = (await new SnapshotCatalog(_repository).CompleteAsync(CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).OrderBy(s => s.OplogEnd!.Value).ToList();
        var captured = new List<string>();
        await foreach (var raw in SliceEntries.ReadAsync(_repository, slices, keys: null, CancellationToken.None))
        {
            var entry = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "app.orders") captured.Add(entry["o"]["_id"].AsString);
        }
        Assert.Equal(["production-1", "production-2"], captured);
        Assert.NotNull(slice);
        Assert.Null(slice.Gap);
    }

    [Fact]
    public async Task A_full_snapshot_records_the_set_id_and_a_newer_set_of_its_name_is_refused_naming_both()
    {
        var full = await FullThenNewerSetAsync();
        Assert.Equal(IdOf(_production).ToString(), full.Source.ReplicaSetId);

        var refusal = await Assert.ThrowsAsync<MongoBackupException>(StagingSliceAsync);
        Assert.Equal(ErrorIds.NoBaseSnapshot, refusal.ErrorId);
        Assert.Contains($"replicaSetId {IdOf(_staging!)}", refusal.Message);
        Assert.Contains($"snapshot {full.Id} of replicaSetId {full.Source.ReplicaSetId}", refusal.Message);
        Assert.DoesNotContain(await new SnapshotCatalog(_repository).CompleteAsync(CancellationToken.None), s => s.Kind == SnapshotKind.Oplog);
    }

    [Fact]
    public async Task A_chain_whose_snapshot_records_no_set_id_takes_the_newer_sets_slice_with_a_gap_as_before()
    {
        var full = await FullThenNewerSetAsync();
        // The manifest as an engine before the record wrote it (an unencrypted one, so no seal to renew).
        var path = Path.Combine(_repo.Path, full.Id, SnapshotManifest.FileName);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.NotNull(json["source"]!["replicaSetId"]);
        json["source"]!.AsObject().Remove("replicaSetId");
        await File.WriteAllTextAsync(path, json.ToJsonString());

        var slice = await StagingSliceAsync();
        Assert.NotNull(slice);
        Assert.NotNull(slice.Gap);
        Assert.Equal(IdOf(_staging!).ToString(), slice.Source.ReplicaSetId);
    }

    /// <summary>Production's full backup, then staging built after it (its whole oplog later than the chain's end) with one write.</summary>
    private async Task<SnapshotManifest> FullThenNewerSetAsync()
    {
        using var client = new MongoClient(_production.ConnectionString);
        await client.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "production-0"));
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = _production.ConnectionString }, Repository = _repository,
            Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        // Timestamps are to the second: staging's first entry must come after the full's.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        _staging = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
        using var staging = new MongoClient(_staging.ConnectionString);
        await staging.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "staging"));
        return full;
    }

    private Task<SnapshotManifest?> StagingSliceAsync() => new OplogSliceRunner(new RecordingObserver()).RunAsync(
        new OplogSliceRequest { Connection = new ConnectionSettings { ConnectionString = _staging!.ConnectionString }, Repository = _repository }, CancellationToken.None);

    private static ObjectId IdOf(MongoTestServer server)
    {
        using var client = new MongoClient(server.ConnectionString);
        return client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("replSetGetConfig", 1))["config"]["settings"]["replicaSetId"].AsObjectId;
    }
}
