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
/// A replica set's identity (its configuration's settings.replicaSetId) recorded in its snapshots, and what a slice of a
/// set of the same name built after the chain's end meets: refused naming both ids, or, where the chain's snapshot predates
/// the record (an older manifest), taken with a gap as before. Each test starts its own servers.
/// </summary>
public sealed class ReplicaSetIdentityTests : IDisposable
{
    private readonly MongoTestServer _production = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private MongoTestServer? _staging;

    public void Dispose()
    {
        _staging?.Dispose();
        _production.Dispose();
    }

    [Fact]
    public async Task A_full_snapshot_records_the_set_id_and_a_newer_set_of_its_name_is_refused_naming_both()
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var full = await FullAsync(repository);
        Assert.Equal(IdOf(_production).ToString(), full.Source.ReplicaSetId);

        var refusal = await Assert.ThrowsAsync<MongoBackupException>(() => StagingSliceAsync(repository));
        Assert.Equal(ErrorIds.NoBaseSnapshot, refusal.ErrorId);
        Assert.Contains($"replicaSetId {IdOf(_staging!)}", refusal.Message);
        Assert.Contains($"snapshot {full.Id} of replicaSetId {full.Source.ReplicaSetId}", refusal.Message);
        Assert.DoesNotContain(await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None), s => s.Kind == SnapshotKind.Oplog);
    }

    [Fact]
    public async Task A_chain_whose_snapshot_records_no_set_id_takes_the_newer_sets_slice_with_a_gap_as_before()
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var full = await FullAsync(repository);
        // The manifest as an engine before the record wrote it (an unencrypted one, so no seal to renew).
        var path = Path.Combine(repo.Path, full.Id, SnapshotManifest.FileName);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.NotNull(json["source"]!["replicaSetId"]);
        json["source"]!.AsObject().Remove("replicaSetId");
        await File.WriteAllTextAsync(path, json.ToJsonString());

        var slice = await StagingSliceAsync(repository);
        Assert.NotNull(slice);
        Assert.NotNull(slice.Gap);
        Assert.Equal(IdOf(_staging!).ToString(), slice.Source.ReplicaSetId);
    }

    private async Task<SnapshotManifest> FullAsync(FolderRepository repository)
    {
        using var client = new MongoClient(_production.ConnectionString);
        await client.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "production"));
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = _production.ConnectionString }, Repository = repository,
            Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        // A set built after the full: its whole oplog is later than the chain's end (timestamps are to the second).
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        _staging = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
        using var staging = new MongoClient(_staging.ConnectionString);
        await staging.GetDatabase("app").GetCollection<BsonDocument>("orders").InsertOneAsync(new BsonDocument("_id", "staging"));
        return full;
    }

    private Task<SnapshotManifest?> StagingSliceAsync(FolderRepository repository) => new OplogSliceRunner(new RecordingObserver()).RunAsync(
        new OplogSliceRequest { Connection = new ConnectionSettings { ConnectionString = _staging!.ConnectionString }, Repository = repository }, CancellationToken.None);

    private static ObjectId IdOf(MongoTestServer server)
    {
        using var client = new MongoClient(server.ConnectionString);
        return client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("replSetGetConfig", 1))["config"]["settings"]["replicaSetId"].AsObjectId;
    }
}
