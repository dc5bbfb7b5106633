using System.Diagnostics;
using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// -ShardHostMap pointing a shard at the wrong server: another shard's member, an unrelated replica set, a dead port.
/// Each is refused before anything is written or the balancer touched, naming the shard and the map entry; a wrong
/// map once gave a Complete snapshot holding one shard's data twice and the other's not at all.
/// </summary>
public sealed class ShardHostMapTests
{
    [Fact]
    public async Task A_map_to_another_shards_member_is_refused_at_once_naming_the_shard_the_entry_and_both_replica_sets()
    {
        using var cluster = new TwoShardCluster();
        cluster.RunAdmin(new BsonDocument("balancerStart", 1));
        var (shard0, shard1) = (Member(cluster, 0), Member(cluster, 1));
        var request = cluster.Backup(stopBalancer: true) with { ShardHostMap = new Dictionary<string, string> { [shard0] = shard1 } };
        var observer = new RecordingObserver();

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(observer).RunAsync(request, CancellationToken.None));

        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Equal("ShardHostMap", refused.Target);
        Assert.Contains("Shard shard0 is replica set 'shard0'", refused.Message);
        Assert.Contains($"'{shard0}'", refused.Message);
        Assert.Contains("replica set 'shard1'", refused.Message);
        Assert.Empty(cluster.SnapshotFolders);
        Assert.DoesNotContain(observer.Verboses, v => v.Contains("balancer was stopped"));
    }

    [Fact]
    public async Task A_map_to_an_unrelated_replica_set_is_refused_before_the_cut_wait()
    {
        using var cluster = new TwoShardCluster();
        using var other = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "elsewhere", Log = TextWriter.Null });
        var shard1 = Member(cluster, 1);
        var request = cluster.Backup() with { ShardHostMap = new Dictionary<string, string> { [shard1] = $"127.0.0.1:{new Uri(other.ConnectionString).Port}" } };
        var clock = Stopwatch.StartNew();

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(new RecordingObserver()).RunAsync(request, CancellationToken.None));

        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains("Shard shard1 is replica set 'shard1'", refused.Message);
        Assert.Contains("replica set 'elsewhere'", refused.Message);
        Assert.True(clock.Elapsed < ClusterCut.PassDeadline, $"refused after {clock.Elapsed}, not at once");
        Assert.Empty(cluster.SnapshotFolders);
    }

    [Fact]
    public async Task A_map_to_a_dead_port_names_the_shard_and_the_map_entry()
    {
        using var cluster = new TwoShardCluster();
        var shard0 = Member(cluster, 0);
        var request = cluster.Backup() with
        {
            Connection = cluster.Backup().Connection with { ConnectTimeout = TimeSpan.FromSeconds(2) },
            ShardHostMap = new Dictionary<string, string> { [shard0] = "127.0.0.1:1" },
        };

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new FullBackup(new RecordingObserver()).RunAsync(request, CancellationToken.None));

        Assert.Equal(ErrorIds.ServerUnreachable, refused.ErrorId);
        Assert.Contains("Shard shard0 (replica set shard0) at 127.0.0.1:1", refused.Message);
        Assert.Contains($"-ShardHostMap maps '{shard0}'", refused.Message);
        Assert.Contains("Nothing is listening at 127.0.0.1:1", refused.Message);
        Assert.Empty(cluster.SnapshotFolders);
    }

    [Fact]
    public async Task A_map_to_the_shards_own_member_by_another_name_backs_up_and_says_the_cut_in_UTC()
    {
        using var cluster = new TwoShardCluster();
        var shard0 = Member(cluster, 0);
        var request = cluster.Backup() with { ShardHostMap = new Dictionary<string, string> { [shard0] = shard0.Replace("127.0.0.1", "localhost") } };
        var observer = new RecordingObserver();

        var manifest = await new FullBackup(observer).RunAsync(request, CancellationToken.None);

        Assert.Equal(["shard0", "shard1"], manifest.Cluster!.Shards.Select(s => s.ReplicaSetName));
        var cut = manifest.Cluster.ClusterTime;
        Assert.Contains(observer.Verboses, v => v.Contains($"consistent at {cut.Timestamp} ({cut.WallTime.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z) on every shard"));
    }

    /// <summary>A shard's member as config.shards names it (host:port).</summary>
    private static string Member(TwoShardCluster cluster, int shard) =>
        $"127.0.0.1:{new Uri(cluster.Cluster.Shards[shard].ConnectionString).Port}";
}
