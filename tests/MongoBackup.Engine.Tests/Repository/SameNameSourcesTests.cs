using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// Two replica sets initiated under the same name (production and staging, both rs0) in one repository: a replica set is
/// its replicaSetId (replSetGetConfig's settings.replicaSetId, src/mongo/db/repl/repl_set_config.cpp), a cluster its
/// config.version clusterId, so windows, a restore's base and retention never take one set's snapshot for the other's.
/// </summary>
public sealed class SameNameSourcesTests
{
    private const string Production = "64b0c0ffee00000000000001";
    private const string Staging = "64b0c0ffee0000000000beef";

    private static SnapshotManifest Of(SnapshotManifest snapshot, string? id)
    {
        snapshot.Source.ReplicaSetId = id;
        return snapshot;
    }

    /// <summary>Production: a full at 100 and slices to 400; staging: one full at 250, between production's slices.</summary>
    private static List<SnapshotManifest> Shared() =>
    [
        Of(Full("prod-f", 100), Production), Of(Slice("prod-s1", 100, 200), Production), Of(Full("staging-f", 250), Staging),
        Of(Slice("prod-s2", 200, 300), Production), Of(Slice("prod-s3", 300, 400), Production),
    ];

    private static RestoreWindow Choose(IEnumerable<SnapshotManifest> snapshots, uint second, string? sourceId = null) =>
        RestoreWindows.Choose(snapshots, OplogLimit.AtClusterTime(new OplogTimestamp(second, 1)), new NamespaceFilter(null), "repo", sourceId);

    [Fact]
    public void Each_set_has_windows_of_its_own_told_apart_by_its_id()
    {
        var windows = RestoreWindows.Compute(Shared());

        var production = Assert.Single(windows, w => w.SourceId == Production);
        Assert.Equal("prod-f", production.BaseSnapshot.Id);
        Assert.Equal(["prod-s1", "prod-s2", "prod-s3"], production.Slices.Select(s => s.Id));
        var staging = Assert.Single(windows, w => w.SourceId == Staging);
        Assert.Equal("staging-f", staging.BaseSnapshot.Id);
        Assert.Empty(staging.Slices);
        Assert.Equal(staging.From, staging.To);
    }

    [Fact]
    public void A_restore_past_the_other_sets_newer_full_is_based_on_this_sets_full()
    {
        var window = Choose(Shared(), 400);

        Assert.Equal("prod-f", window.BaseSnapshot.Id);
        Assert.Equal(Production, window.SourceId);
        Assert.Equal(["prod-s1", "prod-s2", "prod-s3"], window.Slices.Select(s => s.Id));
    }

    [Fact]
    public void A_moment_in_windows_of_both_sets_is_refused_naming_both_sources_and_how_to_choose()
    {
        // 250: staging's full, and inside production's window (100 to 400).
        var refusal = Assert.Throws<MongoBackupException>(() => Choose(Shared(), 250));

        Assert.Equal(ErrorIds.InvalidArgument, refusal.ErrorId);
        Assert.Contains($"replica set 'rs0' (replicaSetId {Production}), SourceId {Production}: base snapshot prod-f", refusal.Message);
        Assert.Contains($"replica set 'rs0' (replicaSetId {Staging}), SourceId {Staging}: base snapshot staging-f", refusal.Message);
        Assert.Contains("Name it with -SourceId", refusal.Message);
    }

    [Fact]
    public void A_source_id_chooses_the_set_whose_window_is_restored()
    {
        var staging = Choose(Shared(), 250, Staging);
        var production = Choose(Shared(), 250, Production.ToUpperInvariant());

        Assert.Equal("staging-f", staging.BaseSnapshot.Id);
        Assert.Empty(staging.Slices);
        Assert.Equal("prod-f", production.BaseSnapshot.Id);
        Assert.Equal(["prod-s1", "prod-s2", "prod-s3"], production.Slices.Select(s => s.Id));
    }

    [Fact]
    public void A_source_id_no_snapshot_recorded_is_refused_listing_the_ids_there_are()
    {
        var refusal = Assert.Throws<MongoBackupException>(() => Choose(Shared(), 250, "64b0c0ffee0000000000dead"));

        Assert.Equal(ErrorIds.InvalidArgument, refusal.ErrorId);
        Assert.Contains("-SourceId 64b0c0ffee0000000000dead: no snapshot in repo was taken from a source of that id", refusal.Message);
        Assert.Contains($"{Production} (replica set 'rs0' (replicaSetId {Production}))", refusal.Message);
        Assert.Contains($"{Staging} (replica set 'rs0' (replicaSetId {Staging}))", refusal.Message);
    }

    [Fact]
    public void A_source_id_whose_windows_miss_the_moment_is_refused_as_outside_its_windows()
    {
        var refusal = Assert.Throws<MongoBackupException>(() => Choose(Shared(), 400, Staging));

        Assert.Equal(ErrorIds.OutsideRestoreWindow, refusal.ErrorId);
    }

    [Fact]
    public void A_full_that_recorded_no_id_still_opens_the_window_its_sets_newer_slices_continue()
    {
        // Taken before ids were recorded, then slices that record production's id: one window, as before the upgrade.
        SnapshotManifest[] history = [Of(Full("old-f", 100), null), Of(Slice("s1", 100, 200), Production), Of(Slice("s2", 200, 300), Production)];

        var window = Assert.Single(RestoreWindows.Compute(history));

        Assert.Equal("old-f", window.BaseSnapshot.Id);
        Assert.Equal(new OplogTimestamp(300, 1), window.To);
        Assert.Equal("old-f", Choose(history, 300).BaseSnapshot.Id);
    }

    [Fact]
    public void Slices_that_recorded_no_id_never_continue_the_other_sets_full_their_times_fall_after()
    {
        // Production recorded no id (its full and slices); staging's full did, at 250, between production's slices. The
        // slices' links (each one's previous end) chain them to production's full only: staging's full is no base for them.
        SnapshotManifest[] history =
            [Of(Full("prod-f", 100), null), Of(Slice("s1", 100, 200), null), Of(Full("staging-f", 250), Staging), Of(Slice("s2", 200, 300), null)];

        var chosen = Choose(history, 300);

        Assert.Equal("prod-f", chosen.BaseSnapshot.Id);
        Assert.Equal(["s1", "s2"], chosen.Slices.Select(s => s.Id));
        Assert.Equal("rs0:prod-f", chosen.SourceId);
        var windows = RestoreWindows.Compute(history);
        Assert.Equal(new OplogTimestamp(250, 1), Assert.Single(windows, w => w.BaseSnapshot.Id == "staging-f").To);
        Assert.Equal("rs0:prod-f", Assert.Single(windows, w => w.BaseSnapshot.Id == "prod-f").SourceId);
        Assert.Empty(new RestoreChains(history).SlicesOf("staging-f"));
    }

    [Fact]
    public void A_full_that_recorded_no_id_belongs_to_the_set_whose_slices_link_to_it()
    {
        SnapshotManifest[] history =
            [Of(Full("old-f", 100), null), Of(Slice("s1", 100, 200), Production), Of(Full("staging-f", 250), Staging)];

        var groups = SnapshotSources.Group(history);

        Assert.Equal(["old-f", "s1"], Assert.Single(groups, g => g.Id == Production).Snapshots.Select(s => s.Id));
        Assert.Equal(["staging-f"], Assert.Single(groups, g => g.Id == Staging).Snapshots.Select(s => s.Id));
    }

    [Fact]
    public void A_full_without_an_id_beside_two_sets_of_its_name_is_listed_once_with_the_window_reaching_furthest()
    {
        SnapshotManifest[] history =
            [Of(Full("old-f", 100), null), Of(Slice("s1", 100, 200), Production), Of(Full("staging-f", 250), Staging)];

        var windows = RestoreWindows.Compute(history);

        var old = Assert.Single(windows, w => w.BaseSnapshot.Id == "old-f");
        Assert.Equal(new OplogTimestamp(200, 1), old.To);
        Assert.Single(windows, w => w.BaseSnapshot.Id == "staging-f");
    }

    [Fact]
    public void KeepLast_counts_each_sets_fulls_on_their_own()
    {
        var plan = RetentionPlanner.Plan(AsListing(Shared()), new RetentionRules { KeepLast = 1 }).Decisions.ToDictionary(d => d.SnapshotId);

        Assert.Equal(RetentionAction.Keep, plan["prod-f"].Action);
        Assert.Equal(RetentionAction.Keep, plan["staging-f"].Action);
        Assert.All(["prod-s1", "prod-s2", "prod-s3"], id => Assert.Equal(RetentionAction.Keep, plan[id].Action));
    }

    [Fact]
    public void Rules_given_one_source_remove_only_its_snapshots_and_keep_the_other_sets_naming_why()
    {
        // Staging has two fulls: KeepLast 1 over the whole repository removes the older; a production policy's rules never reach it.
        var history = Shared().Append(Of(Full("staging-old", 50), Staging)).Append(Of(Full("prod-new", 500), Production)).ToList();
        var only = new SourceIdentity(false, "rs0", Production);

        var whole = RetentionPlanner.Plan(AsListing(history), new RetentionRules { KeepLast = 1 }).Decisions.ToDictionary(d => d.SnapshotId);
        var plan = RetentionPlanner.Plan(AsListing(history), new RetentionRules { KeepLast = 1 }, only);

        Assert.Equal(RetentionAction.Remove, whole["staging-old"].Action);
        Assert.Equal(["prod-f", "prod-s1", "prod-s2", "prod-s3"], plan.Removals.Select(d => d.SnapshotId).Order(StringComparer.Ordinal));
        Assert.Equal(["staging-f", "staging-old"], plan.OtherSources.Select(d => d.SnapshotId).Order(StringComparer.Ordinal));
        var kept = Assert.Single(plan.Decisions, d => d.SnapshotId == "staging-old");
        Assert.Equal(RetentionAction.Keep, kept.Action);
        Assert.Equal($"it is of another source, replica set 'rs0' (replicaSetId {Staging}), not replica set 'rs0' (replicaSetId {Production}), the one source "
            + "these rules reach: its own policy, or Invoke-MongoSnapshotRetention or Remove-MongoSnapshot, decides on it", kept.Reason);
        Assert.Same(only, plan.Source);
    }

    [Fact]
    public void A_policys_rules_never_reach_snapshots_without_an_id_that_no_chain_ties_to_its_own()
    {
        // Production's fulls predate ids and no slice links them to an id: they may be production's or staging's. Staging's
        // policy (KeepLast 1) keeps them, while the same rules over the whole repository remove the older one.
        SnapshotManifest[] history =
            [Of(Full("old-1", 100), null), Of(Slice("old-s1", 100, 200), null), Of(Full("old-2", 200), null), Of(Slice("old-s2", 200, 250), null),
             Of(Full("staging-1", 300), Staging), Of(Full("staging-2", 400), Staging)];
        var only = new SourceIdentity(false, "rs0", Staging);

        var whole = RetentionPlanner.Plan(AsListing(history), new RetentionRules { KeepLast = 1 }).Decisions.ToDictionary(d => d.SnapshotId);
        var plan = RetentionPlanner.Plan(AsListing(history), new RetentionRules { KeepLast = 1 }, only);

        Assert.True(whole["old-1"].Action == RetentionAction.Remove, whole["old-1"].Reason);
        Assert.Equal(["staging-1"], plan.Removals.Select(d => d.SnapshotId));
        Assert.Equal(["old-1", "old-2", "old-s1", "old-s2"], plan.OtherSources.Select(d => d.SnapshotId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void KeepLast_keeps_a_full_without_an_id_that_any_set_of_its_name_keeps()
    {
        // Production's only full predates ids; staging recorded its own. For production the old full is the newest.
        SnapshotManifest[] history =
            [Of(Full("old-f", 100), null), Of(Slice("s1", 100, 200), Production), Of(Full("staging-f", 250), Staging)];

        var plan = RetentionPlanner.Plan(AsListing(history), new RetentionRules { KeepLast = 1 }).Decisions;

        Assert.Equal(RetentionAction.Keep, Assert.Single(plan, d => d.SnapshotId == "old-f").Action);
        Assert.Equal(RetentionAction.Keep, Assert.Single(plan, d => d.SnapshotId == "s1").Action);
        Assert.Equal(3, plan.Count);
    }

    [Fact]
    public void Two_clusters_told_apart_by_clusterId_make_windows_of_their_own()
    {
        static SnapshotManifest Cluster(SnapshotManifest snapshot, string clusterId)
        {
            snapshot.Source.ReplicaSetName = null;
            snapshot.Source.Topology = "Sharded";
            snapshot.Cluster = new ClusterSection { ClusterId = clusterId };
            return snapshot;
        }
        SnapshotManifest[] history =
        [
            Cluster(Full("a-f", 100), "65a000000000000000000001"), Cluster(Slice("a-s1", 100, 200), "65a000000000000000000001"),
            Cluster(Full("b-f", 150), "65a0000000000000000000b2"), Cluster(Slice("a-s2", 200, 300), "65a000000000000000000001"),
        ];

        var windows = RestoreWindows.Compute(history);

        Assert.Equal(["a-s1", "a-s2"], Assert.Single(windows, w => w.BaseSnapshot.Id == "a-f").Slices.Select(s => s.Id));
        Assert.Empty(Assert.Single(windows, w => w.BaseSnapshot.Id == "b-f").Slices);
        Assert.Equal("a-f", Choose(history, 300).BaseSnapshot.Id);
    }

    [Fact]
    public void Snapshots_are_of_one_source_by_name_and_id_and_an_unrecorded_id_matches_its_name()
    {
        var production = Of(Full("p", 100), Production);
        Assert.False(SnapshotSources.Same(production, Of(Full("s", 100), Staging)));
        Assert.True(SnapshotSources.Same(production, Of(Full("p2", 200), Production.ToUpperInvariant())));
        Assert.True(SnapshotSources.Same(production, Of(Full("old", 50), null)));
        Assert.False(SnapshotSources.Same(production, Of(Full("other", 100, replicaSet: "rs1"), Production)));
    }
}
