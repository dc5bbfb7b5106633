using System.Text.Json.Nodes;
using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Two clusters whose shards have the same names (shard0, shard1: a staging and a production cluster) backed up into one
/// repository: a slice of the staging cluster must not continue production's chain, or a point-in-time restore of
/// production would replay staging's writes. Refused once, -Continuous and -WhatIf, naming the snapshot, nothing
/// written; production's own slice still continues its chain. Each test starts its own two clusters.
/// </summary>
public sealed class SameShardNamesTests : IDisposable
{
    // Started first, so its shards' oplogs reach back before production's full backup.
    private readonly TwoShardCluster _staging = new();
    private readonly TwoShardCluster _production = new();

    public void Dispose()
    {
        _staging.Dispose();
        _production.Dispose();
    }

    [Fact]
    public async Task A_slice_of_another_cluster_with_the_same_shard_names_is_refused_by_its_cluster_id()
    {
        var full = await new FullBackup(new RecordingObserver()).RunAsync(_production.Backup(), CancellationToken.None);

        var refusals = await RefusalsAsync();

        foreach (var refusal in refusals)
        {
            Assert.Equal(ErrorIds.NoBaseSnapshot, refusal.ErrorId);
            Assert.Contains($"ends with snapshot {full.Id}", refusal.Message);
            Assert.Contains("clusterId", refusal.Message);
        }
        await ProductionStillContinuesAsync(full);
    }

    [Fact]
    public async Task Without_a_recorded_cluster_id_each_shards_entry_at_the_cut_refuses_the_other_clusters_slice()
    {
        var full = await new FullBackup(new RecordingObserver()).RunAsync(_production.Backup(), CancellationToken.None);
        // As a snapshot written before the cluster's id was recorded.
        var path = Path.Combine(_production.Repository.Location, full.Id, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.NotNull(manifest["cluster"]!["clusterId"]);
        manifest["cluster"]!.AsObject().Remove("clusterId");
        File.WriteAllText(path, manifest.ToJsonString());

        var refusals = await RefusalsAsync();

        foreach (var refusal in refusals)
        {
            Assert.Equal(ErrorIds.NoBaseSnapshot, refusal.ErrorId);
            Assert.Matches($"The oplog of shard shard[01] .* before the entry snapshot {full.Id} in .* recorded as shard shard[01].s at its cut .* but does not hold it", refusal.Message);
        }
        await ProductionStillContinuesAsync(full);
    }

    /// <summary>Staging writes, then its slice into production's repository is tried once, continuously and as a dry run; nothing is written.</summary>
    private async Task<List<MongoBackupException>> RefusalsAsync()
    {
        await _staging.Orders.InsertManyAsync([new BsonDocument { { "_id", -5 }, { "qty", 99 } }, new BsonDocument { { "_id", 6000 }, { "qty", 99 } }]);
        var before = Directory.GetFileSystemEntries(_production.Repository.Location, "*", SearchOption.AllDirectories).Order().ToList();
        var staging = _staging.Slice() with { Repository = _production.Repository };
        var backup = new OplogBackup(new RecordingObserver());
        var refusals = new List<MongoBackupException>
        {
            await Assert.ThrowsAsync<MongoBackupException>(() => backup.RunAsync(staging, CancellationToken.None)),
            await Assert.ThrowsAsync<MongoBackupException>(() => backup.RunContinuousAsync(
                new ContinuousCaptureRequest { Slice = staging, SliceInterval = TimeSpan.FromHours(1), Duration = TimeSpan.FromMinutes(5) }, CancellationToken.None)),
            await Assert.ThrowsAsync<MongoBackupException>(() => backup.PlanAsync(staging, CancellationToken.None)),
        };
        Assert.Equal(before, Directory.GetFileSystemEntries(_production.Repository.Location, "*", SearchOption.AllDirectories).Order().ToList());
        return refusals;
    }

    /// <summary>Production's own slice continues its chain from the full: its shards hold the entries the full saved.</summary>
    private async Task ProductionStillContinuesAsync(SnapshotManifest full)
    {
        await _production.Orders.InsertOneAsync(new BsonDocument { { "_id", -20 }, { "qty", 1 } });
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(_production.Slice(), CancellationToken.None);
        Assert.NotNull(slice);
        Assert.Equal(full.ConsistentAt!.Timestamp, slice.PreviousSliceEnd);
        Assert.Equal(2, _production.SnapshotFolders.Count);
    }
}
