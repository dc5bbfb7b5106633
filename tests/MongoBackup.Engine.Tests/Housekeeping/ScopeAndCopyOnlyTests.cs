using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// A full snapshot of some databases never stands in for one of all of them, and a copy-only one stays out of the
/// chain: retention, removal guards, the policy's "is a full due", where a slice starts and whose key it must have, over manifests.
/// </summary>
public sealed class ScopeAndCopyOnlyTests
{
    private const uint Day = 86_400;

    // Databases a, b and c backed up; then b alone; then the oplog, continuing from the a,b,c snapshot.
    private static readonly SnapshotManifest[] AbcThenB =
        [Full("abc", 100, databases: ["a", "b", "c"]), Full("b", Day + 100, databases: ["b"]), Slice("s", 100, Day + 200)];

    private static Dictionary<string, RetentionDecision> PlanOf(IEnumerable<SnapshotManifest> history, RetentionRules rules) =>
        RetentionPlanner.Plan(AsListing(history), rules).Decisions.ToDictionary(d => d.SnapshotId);

    [Fact]
    public void Retention_keeps_the_newest_full_of_each_scope_so_a_partial_one_never_pushes_a_whole_one_out()
    {
        var plan = PlanOf(AbcThenB, new RetentionRules { KeepLast = 1 });

        Assert.Equal(RetentionAction.Keep, plan["abc"].Action);
        Assert.Contains("KeepLast 1 (#1) for databases a, b, c", plan["abc"].Reason);
        Assert.Equal(RetentionAction.Keep, plan["b"].Action);
        Assert.Equal(RetentionAction.Keep, plan["s"].Action);
    }

    [Fact]
    public void A_newer_whole_full_counts_for_every_scope()
    {
        var plan = PlanOf([Full("whole1", 100), Full("b", Day, databases: ["b"]), Full("whole2", 2 * Day)], new RetentionRules { KeepLast = 1 });

        Assert.Equal(RetentionAction.Keep, plan["whole2"].Action);
        Assert.Equal(RetentionAction.Remove, plan["b"].Action);
        Assert.Equal(RetentionAction.Remove, plan["whole1"].Action);
    }

    [Fact]
    public void Retention_neither_counts_nor_removes_a_copy_only_full()
    {
        var plan = PlanOf([Full("chain", 100), Full("adhoc", Day, copyOnly: true)], new RetentionRules { KeepLast = 1 });

        Assert.Equal(RetentionAction.Keep, plan["chain"].Action);
        Assert.Contains("KeepLast 1 (#1)", plan["chain"].Reason);
        Assert.Equal(RetentionAction.Keep, plan["adhoc"].Action);
        Assert.Contains("copy-only", plan["adhoc"].Reason);
    }

    [Fact]
    public void Removing_the_only_full_that_covers_some_databases_is_refused_naming_what_would_be_lost()
    {
        var blocker = Assert.Single(RemovalGuard.FindBlockers(AbcThenB, new HashSet<string> { "abc" }));

        Assert.Equal("abc", blocker.SnapshotId);
        Assert.Contains("only base covering databases a, b, c", blocker.Reason);
        Assert.Contains("b (databases b)", blocker.Reason);
        Assert.Empty(RemovalGuard.FindBlockers(AbcThenB, new HashSet<string> { "b" })); // abc covers b and keeps the slice
    }

    [Fact]
    public void A_copy_only_full_can_always_be_removed()
    {
        SnapshotManifest[] history = [Full("chain", 100), Slice("s", 100, 300), Full("adhoc", 200, copyOnly: true)];
        Assert.Empty(RemovalGuard.FindBlockers(history, new HashSet<string> { "adhoc" }));
        Assert.Single(RemovalGuard.FindBlockers(history, new HashSet<string> { "chain" }));
    }

    [Theory]
    [InlineData("copy-only", true, null)]
    [InlineData("partial", false, "b")]
    public async Task A_copy_only_or_partial_full_does_not_make_the_policys_full_less_due(string kind, bool copyOnly, string? database)
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var now = DateTimeOffset.UtcNow;
        var whole = Full("whole", 100);
        whole.StartTime = now - TimeSpan.FromDays(2);
        var recent = Full(kind, 200, databases: database is null ? null : [database], copyOnly: copyOnly);
        recent.StartTime = now - TimeSpan.FromMinutes(5);
        foreach (var manifest in new[] { whole, recent }) await repository.CommitManifestAsync(manifest, CancellationToken.None);

        var decision = await PolicyDecision.DecideAsync(repository, ReplicaSet, TimeSpan.FromDays(1), now, CancellationToken.None);

        Assert.Equal(PolicyAction.Full, decision.Action);
        Assert.Contains("whole", decision.Reason);
    }

    [Fact]
    public async Task A_policy_of_some_databases_counts_a_recent_full_of_them_and_not_one_of_others()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var now = DateTimeOffset.UtcNow;
        var ofB = Full("b", 200, databases: ["b"]);
        ofB.StartTime = now - TimeSpan.FromMinutes(5);
        await repository.CommitManifestAsync(ofB, CancellationToken.None);

        var forB = await PolicyDecision.DecideAsync(repository, ReplicaSet, TimeSpan.FromDays(1), now, CancellationToken.None, new NamespaceFilter(databases: ["b"]));
        var forC = await PolicyDecision.DecideAsync(repository, ReplicaSet, TimeSpan.FromDays(1), now, CancellationToken.None, new NamespaceFilter(databases: ["c"]));

        Assert.Equal(PolicyAction.Slice, forB.Action);
        Assert.Equal(PolicyAction.Full, forC.Action);
        Assert.Contains("that takes databases c", forC.Reason);
    }

    [Fact]
    public async Task A_full_is_due_when_the_slice_chain_is_broken_after_the_newest_one()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var now = DateTimeOffset.UtcNow;
        var full = Full("full", 100);
        full.StartTime = now - TimeSpan.FromMinutes(30);
        // The slice from 200 to 300 is missing: s3 continues from 300.
        foreach (var manifest in new[] { full, Slice("s1", 100, 200), Slice("s3", 300, 400) })
            await repository.CommitManifestAsync(manifest, CancellationToken.None);

        var decision = await PolicyDecision.DecideAsync(repository, ReplicaSet, TimeSpan.FromDays(1), now, CancellationToken.None);

        Assert.Equal(PolicyAction.Full, decision.Action);
        Assert.Contains("broken", decision.Reason);
        Assert.Contains("s3", decision.Reason);
    }

    [Fact]
    public async Task An_oplog_slice_starts_from_the_chains_full_and_not_from_a_newer_copy_only_one()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        // Were the copy-only full in the chain, it would contain the older one and the slice would start at 200.
        foreach (var manifest in new[] { Full("chain", 100), Full("adhoc", 200, copyOnly: true) })
            await repository.CommitManifestAsync(manifest, CancellationToken.None);

        var start = await SliceChainEnd.FindAsync(repository, ReplicaSet, NullObserver.Instance, CancellationToken.None);

        Assert.Equal(new OplogTimestamp(100, 1), start);
    }

    [Fact]
    public async Task An_oplog_slice_refuses_to_start_from_a_copy_only_full_alone()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        await repository.CommitManifestAsync(Full("adhoc", 100, copyOnly: true), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            SliceChainEnd.FindAsync(repository, ReplicaSet, NullObserver.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.NoBaseSnapshot, refused.ErrorId);
    }

    [Fact]
    public void A_keyless_slice_follows_the_chains_full_and_not_a_newer_copy_only_one_in_either_direction()
    {
        var encryptedAdhoc = Encrypted(Full("adhoc", 200, copyOnly: true));
        var plainChain = Full("chain", 100);
        // The chain's base is plain: a newer encrypted copy-only full is no base, so the slice is not refused.
        UnencryptedChainCheck.Check([plainChain, encryptedAdhoc], new SourceChain("replica set 'rs0'", all => all), "repo", "a new oplog slice", _ => { });

        var refused = Assert.Throws<MongoBackupException>(() =>
            UnencryptedChainCheck.Check([Encrypted(Full("chain", 100)), Full("adhoc", 200, copyOnly: true)], new SourceChain("replica set 'rs0'", all => all), "repo", "a new oplog slice", _ => { }));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, refused.ErrorId);
        Assert.Equal("chain", refused.Target);
    }

    private static SnapshotManifest Encrypted(SnapshotManifest manifest)
    {
        manifest.Encryption = new ManifestEncryption("AES-256-GCM", "key1", "wrapped");
        return manifest;
    }

    private static readonly ServerTopology ReplicaSet = new(TopologyKind.ReplicaSet, "rs0", "7.0.0", ["localhost:27017"]);
}
