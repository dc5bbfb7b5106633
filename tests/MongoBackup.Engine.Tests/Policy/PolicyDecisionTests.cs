using System.Runtime.CompilerServices;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Policy;

/// <summary>
/// What a scheduled run chooses (Invoke-MongoBackupPolicy's Action and Reason): a full when none of the policy's scope
/// exists or the newest started -FullEvery ago or more, or the slice chain broke after it; a slice otherwise (nothing on
/// a standalone server). Judged from manifests on one timeline; Full("f", 100) started at second 99.
/// </summary>
public sealed class PolicyDecisionTests : IDisposable
{
    private static readonly ServerTopology ReplicaSet = new(TopologyKind.ReplicaSet, "rs0", "7.0.14", ["db1:27017"]);
    private static readonly ServerTopology Standalone = new(TopologyKind.Standalone, null, "7.0.14", ["db1:27017"]);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<PolicyDecision> Decide(SnapshotManifest[] history, DateTimeOffset now, ServerTopology? topology = null, string[]? databases = null) =>
        PolicyDecision.DecideAsync(new ListedRepository(new FolderRepository(_folder.Path), history), topology ?? ReplicaSet, Hour, now,
            CancellationToken.None, databases is null ? null : new NamespaceFilter(databases));

    [Fact]
    public async Task An_empty_repository_owes_a_full()
    {
        var decision = await Decide([], At(100));

        Assert.Equal(PolicyAction.Full, decision.Action);
        Assert.Contains("holds no complete full snapshot of all databases of replica set 'rs0'", decision.Reason);
    }

    [Fact]
    public async Task A_full_is_due_at_exactly_FullEvery_after_the_newest_full_started_and_not_a_tick_before()
    {
        SnapshotManifest[] history = [Full("f", 100)];
        var started = history[0].StartTime;

        var before = await Decide(history, started + Hour - TimeSpan.FromTicks(1));
        var at = await Decide(history, started + Hour);

        Assert.Equal(PolicyAction.Slice, before.Action);
        Assert.Contains($"the next full snapshot is due at {started + Hour:u}", before.Reason);
        Assert.Equal(PolicyAction.Full, at.Action);
        Assert.Contains("the newest full snapshot, f, started 01:00:00 ago (full every 01:00:00)", at.Reason);
    }

    [Fact]
    public async Task The_newest_full_sets_the_schedule()
    {
        var decision = await Decide([Full("old", 100), Full("new", 3000)], At(100) + Hour + TimeSpan.FromMinutes(1));

        Assert.Equal(PolicyAction.Slice, decision.Action);
    }

    [Fact]
    public async Task Copy_only_fulls_and_fulls_of_another_replica_set_do_not_count()
    {
        var now = At(200);

        Assert.Equal(PolicyAction.Full, (await Decide([Full("adhoc", 100, copyOnly: true)], now)).Action);
        Assert.Equal(PolicyAction.Full, (await Decide([Full("other", 100, replicaSet: "rs1")], now)).Action);
    }

    [Fact]
    public async Task A_full_of_some_databases_does_not_count_for_a_policy_of_all_and_one_of_all_counts_for_some()
    {
        var now = At(200);
        SnapshotManifest[] partial = [Full("sales-only", 100, databases: ["sales"])];

        var all = await Decide(partial, now);
        Assert.Equal(PolicyAction.Full, all.Action);
        Assert.Contains("copy-only and partial ones do not count", all.Reason);
        Assert.Equal(PolicyAction.Slice, (await Decide(partial, now, databases: ["sales"])).Action);
        var other = await Decide(partial, now, databases: ["hr"]);
        Assert.Equal(PolicyAction.Full, other.Action);
        Assert.Contains("that takes", other.Reason);
        Assert.Equal(PolicyAction.Slice, (await Decide([Full("whole", 100)], now, databases: ["hr"])).Action);
    }

    [Fact]
    public async Task A_break_in_the_slice_chain_after_the_newest_full_makes_a_full_due()
    {
        var decision = await Decide([Full("f", 100), Slice("s1", 100, 200), Slice("s2", 300, 400, gap: true)], At(500));

        Assert.Equal(PolicyAction.Full, decision.Action);
        Assert.Contains("the oplog slice chain is broken after the newest full snapshot, f", decision.Reason);
        // A break before the full is history: the full starts a new chain.
        Assert.Equal(PolicyAction.Slice, (await Decide([Slice("s0", 10, 50, gap: true), Full("f", 100), Slice("s1", 100, 200)], At(500))).Action);
    }

    [Fact]
    public async Task A_standalone_server_gets_nothing_between_fulls()
    {
        var full = Full("f", 100);
        (full.Source.Topology, full.Source.ReplicaSetName) = ("Standalone", null);

        var decision = await Decide([full], At(200), Standalone);

        Assert.Equal(PolicyAction.Nothing, decision.Action);
        Assert.Contains("a standalone server has no oplog to save in between", decision.Reason);
    }

    /// <summary>A repository whose listing is the given manifests (nothing is written).</summary>
    private sealed class ListedRepository(ISnapshotRepository inner, SnapshotManifest[] manifests) : DelegatingRepository(inner)
    {
        public override async IAsyncEnumerable<ManifestReadResult> ListAsync([EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var result in AsListing(manifests)) yield return result;
            await Task.CompletedTask;
        }
    }
}
