using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Housekeeping;

public sealed class RemovalTests
{
    private static readonly SnapshotManifest[] TwoFullsOneChain =
        [Full("f1", 100), Slice("s1", 100, 200), Full("f2", 300), Slice("s2", 200, 400), Slice("s3", 400, 500)];

    private static IReadOnlyList<RemovalBlocker> Blockers(params string[] removing) =>
        RemovalGuard.FindBlockers(TwoFullsOneChain, removing.ToHashSet());

    [Fact]
    public void A_full_whose_slices_would_be_left_without_a_base_is_refused_naming_its_window()
    {
        var blocker = Assert.Single(Blockers("f1"));
        Assert.Equal("f1", blocker.SnapshotId);
        Assert.Contains("base of the restore window", blocker.Reason);
        Assert.Contains("s1", blocker.Reason);
        Assert.DoesNotContain("s2", blocker.Reason); // f2 still needs s2, so it is no orphan
    }

    [Fact]
    public void A_slice_inside_a_kept_window_is_refused_naming_the_window()
    {
        var blocker = Assert.Single(Blockers("s3"));
        Assert.Contains("f1", blocker.Reason); // f1's window runs through s3 too
        Assert.Contains("cut that window short", blocker.Reason);
    }

    [Fact]
    public void Removing_a_whole_window_or_an_old_base_with_its_own_slices_is_allowed()
    {
        Assert.Empty(Blockers("f1", "s1"));
        Assert.Empty(Blockers("f1", "s1", "f2", "s2", "s3"));
    }

    [Fact]
    public async Task The_remover_refuses_without_force_and_removes_nothing_then_removes_with_force_and_warns()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        foreach (var manifest in TwoFullsOneChain) await repository.CommitManifestAsync(manifest, CancellationToken.None);
        var observer = new RecordingObserver();

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(observer).RemoveAsync(repository, ["f2", "s3"], force: false, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotInUse, refused.ErrorId);
        Assert.Contains("s3", refused.Message);
        Assert.Equal(5, (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Count);

        await new SnapshotRemover(observer).RemoveAsync(repository, ["s3"], force: true, CancellationToken.None);
        Assert.DoesNotContain((await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)), m => m.Id == "s3");
        Assert.Contains(observer.Warnings, w => w.Contains("-Force") && w.Contains("s3"));
    }

    [Fact]
    public async Task Removing_an_unknown_id_is_an_error_naming_it_and_removes_nothing()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        await repository.CommitManifestAsync(Full("f1", 100), CancellationToken.None);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, ["f1", "nope"], force: false, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotNotFound, error.ErrorId);
        Assert.Equal("nope", error.Target);
        Assert.Single(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
    }

    [Fact]
    public async Task A_snapshot_whose_manifest_is_cut_short_is_removed_only_when_forced()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var manifest = await WriteAsync(repository, "20260101T000000Z-full-trunc", 10);
        var manifestPath = repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!;
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath)[..200]); // the input: manifest.json cut short
        var observer = new RecordingObserver();

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(observer).RemoveAsync(repository, [manifest.Id], force: false, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotDamaged, refused.ErrorId);
        Assert.Contains("damaged manifest", refused.Message);
        Assert.True(File.Exists(repository.LocalPath(manifest.Id, manifest.Files[1].Path)));

        await new SnapshotRemover(observer).RemoveAsync(repository, [manifest.Id], force: true, CancellationToken.None);
        Assert.False(Directory.Exists(repository.LocalPath(manifest.Id, "")));
        Assert.Contains(observer.Warnings, w => w.Contains("-Force") && w.Contains(manifest.Id));
    }

    [Fact]
    public void Retention_keeps_a_damaged_snapshot_and_leaves_an_unfinished_one_alone()
    {
        var listing = AsListing([Full("f1", 100), Full("f2", 200)]);
        listing.Add(ManifestReadResult.Damaged("damaged", "Manifest 'manifest.json' is not valid"));
        listing.Add(ManifestReadResult.Missing("running", "no manifest"));

        var plan = RetentionPlanner.Plan(listing, new RetentionRules { KeepLast = 1 });

        var damaged = Assert.Single(plan.Decisions, d => d.SnapshotId == "damaged");
        Assert.Equal(RetentionAction.Keep, damaged.Action);
        Assert.Contains("damaged", damaged.Reason);
        Assert.Equal(RetentionAction.Keep, Assert.Single(plan.Decisions, d => d.SnapshotId == "running").Action);
    }
}
