using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// Snapshots that recorded no replicaSetId (a backup user without replSetGetConfig, an older MongoBackup) and that no chain
/// link ties to a recorded id are a source of their own (<see cref="SnapshotSources.Group"/>): it is named by a SourceId
/// made of its set's name and its oldest snapshot's id, which -SourceId takes and retention names; and a new slice's key
/// is judged against its own source's chain only (<see cref="SliceChainEnd.ChainOf"/>), never another same-name set's.
/// </summary>
public sealed class IdLessSourceTests
{
    private const string Staging = "64b0c0ffee0000000000beef";

    private static SnapshotManifest Of(SnapshotManifest snapshot, string? id)
    {
        snapshot.Source.ReplicaSetId = id;
        return snapshot;
    }

    /// <summary>Production recorded no id (a full at 100 and slices linked to it); staging recorded its own, a full at 250.</summary>
    private static List<SnapshotManifest> Shared() =>
        [Of(Full("prod-f", 100), null), Of(Slice("prod-s1", 100, 200), null), Of(Full("staging-f", 250), Staging), Of(Slice("prod-s2", 200, 300), null)];

    private static RestoreWindow Choose(IEnumerable<SnapshotManifest> snapshots, uint second, string? sourceId) =>
        RestoreWindows.Choose(snapshots, OplogLimit.AtClusterTime(new OplogTimestamp(second, 1)), new NamespaceFilter(null), "repo", sourceId);

    [Fact]
    public void An_id_less_source_is_named_by_its_sets_name_and_oldest_snapshot_and_chosen_by_that_name()
    {
        var windows = RestoreWindows.Compute(Shared());

        Assert.Equal("rs0:prod-f", Assert.Single(windows, w => w.BaseSnapshot.Id == "prod-f").SourceId);
        // 250 is in both windows: -SourceId with the made id picks production's, whatever its case.
        var production = Choose(Shared(), 250, "RS0:PROD-F");
        Assert.Equal("prod-f", production.BaseSnapshot.Id);
        Assert.Equal(["prod-s1", "prod-s2"], production.Slices.Select(s => s.Id));
        Assert.Equal("staging-f", Choose(Shared(), 250, Staging).BaseSnapshot.Id);
    }

    [Fact]
    public void A_moment_both_sources_reach_is_refused_with_the_made_id_to_name()
    {
        var refusal = Assert.Throws<MongoBackupException>(() => Choose(Shared(), 250, null));

        Assert.Equal(ErrorIds.InvalidArgument, refusal.ErrorId);
        Assert.Contains("replica set 'rs0', SourceId rs0:prod-f (recorded no source id): base snapshot prod-f", refusal.Message);
        Assert.Contains($"SourceId {Staging}: base snapshot staging-f", refusal.Message);
    }

    [Fact]
    public void An_unknown_source_id_is_refused_listing_the_made_id_beside_the_recorded_one()
    {
        var refusal = Assert.Throws<MongoBackupException>(() => Choose(Shared(), 250, "rs0:nothing"));

        Assert.Equal(ErrorIds.InvalidArgument, refusal.ErrorId);
        Assert.Contains("rs0:prod-f (replica set 'rs0', SourceId rs0:prod-f (recorded no replicaSetId))", refusal.Message);
        Assert.Contains($"{Staging} (replica set 'rs0' (replicaSetId {Staging}))", refusal.Message);
    }

    /// <summary>
    /// The made id moves when its oldest snapshot goes (retention): the old id a script holds is refused naming the id the
    /// source has now, never taken as another source's nor refused with only a list of ids.
    /// </summary>
    [Fact]
    public void A_made_id_whose_oldest_snapshot_was_removed_is_refused_naming_the_sources_id_now()
    {
        List<SnapshotManifest> afterRetention = [Of(Full("prod-f2", 150), null), Of(Slice("prod-s1", 150, 200), null), Of(Full("staging-f", 250), Staging)];

        var refusal = Assert.Throws<MongoBackupException>(() => Choose(afterRetention, 180, "rs0:prod-f"));

        Assert.Equal((ErrorIds.InvalidArgument, "rs0:prod-f"), (refusal.ErrorId, refusal.Target));
        Assert.Contains("snapshot prod-f is no longer there (removed by retention or Remove-MongoSnapshot)", refusal.Message);
        Assert.Contains("is now SourceId rs0:prod-f2 (replica set 'rs0', SourceId rs0:prod-f2 (recorded no replicaSetId), newest snapshot prod-s1)", refusal.Message);
        Assert.Equal("prod-f2", Choose(afterRetention, 180, "rs0:prod-f2").BaseSnapshot.Id);
        Assert.Null(SnapshotSources.MovedDerivedId(Staging, SnapshotSources.Group(afterRetention), "repo"));
    }

    /// <summary>An older snapshot joined to the source (an id-less full found linked to it) moves its made id too.</summary>
    [Fact]
    public void A_made_id_whose_snapshot_is_no_longer_the_oldest_is_refused_naming_the_sources_id_now()
    {
        List<SnapshotManifest> grown = [Of(Full("prod-f0", 50), null), Of(Full("prod-f", 100), null)];

        var refusal = SnapshotSources.MovedDerivedId("rs0:prod-f", SnapshotSources.Group(grown), "repo");

        Assert.NotNull(refusal);
        Assert.Contains("snapshot prod-f is still there, but an older one of its source now names it: that source is SourceId rs0:prod-f0", refusal.Message);
    }

    [Fact]
    public void Each_snapshot_of_the_listing_gets_its_sources_id()
    {
        var ids = SnapshotSources.SourceIdsOf(Shared());

        Assert.Equal("rs0:prod-f", ids["prod-s2"]);
        Assert.Equal(Staging, ids["staging-f"]);
    }

    [Fact]
    public void Retention_over_the_repository_keeps_an_id_less_sources_newest_full_by_its_own_KeepLast_and_says_so()
    {
        var history = Shared().Prepend(Of(Full("prod-old", 50), null)).Append(Of(Slice("prod-s0", 50, 100), null)).ToList();

        var plan = RetentionPlanner.Plan(AsListing(history), new RetentionRules { KeepLast = 1 });

        var decisions = plan.Decisions.ToDictionary(d => d.SnapshotId);
        Assert.Equal(RetentionAction.Remove, decisions["prod-old"].Action);
        Assert.Equal(RetentionAction.Keep, decisions["prod-f"].Action);
        Assert.Equal(RetentionAction.Keep, decisions["staging-f"].Action);
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains("Replica set rs0: 5 snapshot(s) recorded no replicaSetId", warning);
        Assert.Contains("a source of their own, SourceId rs0:prod-old", warning);
        Assert.Contains("Get-MongoSnapshot -SourceId rs0:prod-old | Remove-MongoSnapshot", warning);
    }

    [Fact]
    public void A_policys_rules_keep_an_id_less_source_naming_its_source_id_and_what_decides_on_it()
    {
        var plan = RetentionPlanner.Plan(AsListing(Shared()), new RetentionRules { KeepLast = 1 }, new SourceIdentity(false, "rs0", Staging));

        var kept = Assert.Single(plan.Decisions, d => d.SnapshotId == "prod-f");
        Assert.Equal(RetentionAction.Keep, kept.Action);
        Assert.StartsWith("it is of another source, replica set 'rs0', SourceId rs0:prod-f (recorded no replicaSetId), not replica set 'rs0' (replicaSetId", kept.Reason);
        Assert.Contains("Invoke-MongoSnapshotRetention applies the rules to it as a source of its own", kept.Reason);
    }

    [Fact]
    public void A_keyless_slice_of_a_set_is_judged_by_its_own_chain_not_another_sets_encrypted_id_less_full()
    {
        // Staging's plain full at 100; then production's encrypted full at 200, which recorded no id and which no slice links.
        SnapshotManifest[] history = [Of(Full("staging-f", 100), Staging), Of(Encrypted(Full("prod-f", 200)), null)];
        var staging = new ServerTopology(TopologyKind.ReplicaSet, "rs0", "7.0.0", ["staging:27017"]) { ReplicaSetId = Staging };
        var production = new ServerTopology(TopologyKind.ReplicaSet, "rs0", "7.0.0", ["production:27017"]) { ReplicaSetId = "64b0c0ffee00000000000001" };

        UnencryptedChainCheck.Check(history, SliceChainEnd.ChainOf(staging), "repo", "this oplog slice", _ => { });

        var refused = Assert.Throws<MongoBackupException>(() => UnencryptedChainCheck.Check(history, SliceChainEnd.ChainOf(production), "repo", "this oplog slice", _ => { }));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, refused.ErrorId);
        Assert.StartsWith("The oplog chain of replica set 'rs0' (replicaSetId 64b0c0ffee00000000000001) in repo continues snapshot prod-f", refused.Message);
    }

    private static SnapshotManifest Encrypted(SnapshotManifest manifest)
    {
        manifest.Encryption = new ManifestEncryption("AES-256-GCM", "key1", "wrapped");
        return manifest;
    }
}
