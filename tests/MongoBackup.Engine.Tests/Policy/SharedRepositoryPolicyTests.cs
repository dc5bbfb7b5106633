using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Policy;

/// <summary>
/// One repository shared by two replica sets, each with its own scheduled policy and its own retention: a policy's rules
/// reach only the source it backs up (its replica set name and replicaSetId), so one never removes the other's snapshots
/// by its rules. Each test starts its own two servers.
/// </summary>
public sealed class SharedRepositoryPolicyTests : IDisposable
{
    private readonly MongoTestServer _orders = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "orders", Log = TextWriter.Null });
    private readonly MongoTestServer _billing = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "billing", Log = TextWriter.Null });

    public void Dispose()
    {
        _orders.Dispose();
        _billing.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_policys_retention_removes_its_own_sets_old_fulls_and_keeps_every_snapshot_of_the_other_set(bool whatIf)
    {
        foreach (var server in new[] { _orders, _billing })
        {
            using var client = new MongoClient(server.ConnectionString);
            await client.GetDatabase("app").GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));
        }
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var billing = Policy(_billing, repository, retention: null);
        var orders = Policy(_orders, repository, new RetentionRules { KeepLast = 1 });

        var billingFirst = await Run(billing, clock);
        var ordersFirst = await Run(orders, clock);
        clock.Advance(TimeSpan.FromMinutes(2));
        var billingSecond = await Run(billing, clock);
        var observer = new RecordingObserver();
        BackupPolicyResult? ordersSecond = null;
        PolicyPreview? preview = null;
        if (whatIf) preview = await BackupPolicyRunner.PreviewAsync(orders, CancellationToken.None);
        else ordersSecond = await new BackupPolicyRunner(observer, clock).RunAsync(orders, CancellationToken.None);

        var ordersId = ordersFirst.Snapshot!.Source.ReplicaSetId;
        Assert.NotNull(ordersId);
        var kept = (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Select(s => s.Id).ToHashSet();
        Assert.Contains(billingFirst.Snapshot!.Id, kept);
        Assert.Contains(billingSecond.Snapshot!.Id, kept);
        if (preview is not null)
        {
            // The orders set's one full is its newest, so nothing would go: billing's older full, which KeepLast 1 would take
            // if it reached billing's snapshots, is named as another source's and kept.
            Assert.Empty(preview.Removals);
            Assert.Equal($"replica set 'orders' (replicaSetId {ordersId})", preview.RetentionSource);
            Assert.Equal(new[] { billingFirst.Snapshot.Id, billingSecond.Snapshot.Id }.Order(StringComparer.Ordinal), preview.OtherSourcesKept.Order(StringComparer.Ordinal));
            return;
        }
        Assert.Equal(PolicyAction.Full, ordersSecond!.Action);
        Assert.Equal([ordersFirst.Snapshot.Id], ordersSecond.Removed);
        Assert.Equal($"replica set 'orders' (replicaSetId {ordersId})", ordersSecond.RetentionSource);
        Assert.DoesNotContain(ordersFirst.Snapshot.Id, kept);
        Assert.Contains(observer.Verboses, v => v.Contains($"reaches the snapshots of replica set 'orders' (replicaSetId {ordersId}) only: 2 snapshot(s) of other sources"));
    }

    private static BackupPolicyRequest Policy(MongoTestServer server, FolderRepository repository, RetentionRules? retention) => new()
    {
        Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, Repository = repository,
        FullEvery = TimeSpan.FromMinutes(1), Retention = retention,
    };

    private static Task<BackupPolicyResult> Run(BackupPolicyRequest request, TimeProvider clock) =>
        new BackupPolicyRunner(new RecordingObserver(), clock).RunAsync(request, CancellationToken.None);
}
