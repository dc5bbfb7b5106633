using MongoBackup.Engine.Repository;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>Restore windows and the choice of a base, worked out from manifests on one timeline (seconds).</summary>
public sealed class RestoreWindowTests
{
    private static RestoreWindow Choose(IEnumerable<SnapshotManifest> snapshots, uint second, string[]? databases = null) =>
        RestoreWindows.Choose(snapshots, OplogLimit.AtClusterTime(new OplogTimestamp(second, 1)), new NamespaceFilter(databases), "repo");

    private static MongoBackupException Refused(IEnumerable<SnapshotManifest> snapshots, uint second, string[]? databases = null) =>
        Assert.Throws<MongoBackupException>(() => Choose(snapshots, second, databases));

    [Fact]
    public void Slices_of_two_captures_running_at_once_make_one_window_to_the_furthest_end()
    {
        // A scheduled capture (s1, s2, s3) beside a continuous one (c1, c2), each continuing from where it last ended.
        SnapshotManifest[] history =
            [Full("f", 100), Slice("s1", 100, 150), Slice("c1", 100, 200), Slice("s2", 200, 300), Slice("c2", 200, 400), Slice("s3", 400, 500)];

        var window = Assert.Single(RestoreWindows.Compute(history));

        Assert.Equal(new OplogTimestamp(100, 1), window.From);
        Assert.Equal(new OplogTimestamp(500, 1), window.To);
        Assert.Equal(["c1", "c2", "s3"], window.Slices.Select(s => s.Id)); // s1 and s2 add nothing the others lack
        Assert.Null(window.BreakAfter);
        Assert.Equal("f", Choose(history, 450).BaseSnapshot.Id);
    }

    [Fact]
    public void Slices_that_overlap_in_part_are_chained_in_order_of_where_they_start()
    {
        SnapshotManifest[] history = [Full("f", 100), Slice("s1", 100, 200), Slice("a", 100, 300), Slice("b", 200, 400)];

        var window = Choose(history, 400);

        Assert.Equal(["a", "b"], window.Slices.Select(s => s.Id));
        Assert.Equal(new OplogTimestamp(400, 1), window.To);
    }

    /// <summary>
    /// Breaker8 finding 1: a restore used every slice of its window, so damage in a slice after the moment refused it.
    /// The restore's part of the window ends with the first slice whose last entry the replay stops by.
    /// </summary>
    [Theory]
    [InlineData(100u, new string[0], 100u)]
    [InlineData(150u, new[] { "s1" }, 200u)]
    [InlineData(200u, new[] { "s1" }, 200u)]
    [InlineData(250u, new[] { "s1", "s2" }, 300u)]
    [InlineData(400u, new[] { "s1", "s2", "s3" }, 400u)]
    public void A_restore_to_a_moment_uses_only_the_slices_up_to_the_one_that_holds_it(uint second, string[] slices, uint to)
    {
        SnapshotManifest[] history = [Full("f", 100), Slice("s1", 100, 200), Slice("s2", 200, 300), Slice("s3", 300, 400)];
        var limit = OplogLimit.AtClusterTime(new OplogTimestamp(second, 1));

        var used = RestoreWindows.Choose(history, limit, new NamespaceFilter(null), "repo").Through(limit);

        Assert.Equal(slices, used.Slices.Select(s => s.Id));
        Assert.Equal(new OplogTimestamp(100, 1), used.From);
        Assert.Equal(new OplogTimestamp(to, 1), used.To);
        Assert.Null(used.BreakAfter);
    }

    [Fact]
    public void Of_overlapping_slices_a_restore_uses_those_in_chain_order_up_to_the_moment()
    {
        SnapshotManifest[] history = [Full("f", 100), Slice("c1", 100, 200), Slice("s1", 100, 150), Slice("c2", 200, 400), Slice("s3", 400, 500)];

        Assert.Equal(["c1", "c2"], Choose(history, 300).Through(OplogLimit.AtClusterTime(new OplogTimestamp(300, 1))).Slices.Select(s => s.Id));
    }

    [Fact]
    public void A_wall_time_moment_of_a_slices_last_millisecond_also_takes_the_next_slice_which_can_hold_entries_of_that_millisecond()
    {
        SnapshotManifest[] history = [Full("f", 100), Slice("s1", 100, 200), Slice("s2", 200, 300), Slice("s3", 300, 400)];
        RestoreWindow Used(OplogLimit limit) => RestoreWindows.Choose(history, limit, new NamespaceFilter(null), "repo").Through(limit);

        // s1's last entry is at At(200) exactly: an entry of s2 in that same millisecond is at or before the moment.
        Assert.Equal(["s1", "s2"], Used(OplogLimit.AtWallTime(At(200))).Slices.Select(s => s.Id));
        Assert.Equal(["s1"], Used(OplogLimit.AtWallTime(At(200).AddMilliseconds(-1))).Slices.Select(s => s.Id));
    }

    /// <summary>
    /// Tryout item 8: a full backup taken with no slice between it and the slices before it. The earlier window ends
    /// before the later full, and nothing is missing from the chain; the window says that span is not captured yet, so
    /// Get-MongoRestoreWindow | Where-Object GapAfter finds it.
    /// </summary>
    [Fact]
    public void A_window_followed_by_a_later_full_with_no_slice_between_says_the_span_is_not_captured_yet()
    {
        SnapshotManifest[] history = [Full("f1", 100), Slice("s1", 100, 200), Slice("s2", 200, 300), Full("f2", 500)];

        var windows = RestoreWindows.Compute(history);

        Assert.Equal(["f1", "f2"], windows.Select(w => w.BaseSnapshot.Id));
        Assert.Null(windows[0].BreakAfter);
        var span = Assert.IsType<UncapturedSpan>(windows[0].UncapturedAfter);
        Assert.Equal(new OplogTimestamp(300, 1), span.From);
        Assert.Equal(new OplogTimestamp(500, 1), span.To);
        Assert.Equal($"not captured yet: no oplog slice from {At(300):u} (Timestamp(300, 1)) to {At(500):u} (Timestamp(500, 1)), " +
                     "where full snapshot f2 starts the next window; the next Backup-MongoOplog saves the span while the server's oplog still reaches back to it",
            windows[0].EndsBecause);
        // The newest window ends at the newest moment captured: nothing to flag after it.
        Assert.Null(windows[1].EndsBecause);
        // Once a slice bridges the span, the windows join and nothing is flagged.
        var bridged = RestoreWindows.Compute([.. history, Slice("s3", 300, 600)]);
        Assert.Null(Assert.Single(bridged).EndsBecause);
    }

    [Fact]
    public void A_missing_middle_slice_is_named_in_the_window_and_in_the_refusal()
    {
        // s2 (200 to 300) was deleted: s3 continues from 300, where no slice ends.
        SnapshotManifest[] history = [Full("f", 100), Slice("s1", 100, 200), Slice("s3", 300, 400), Slice("s4", 400, 500)];

        var window = Assert.Single(RestoreWindows.Compute(history));
        Assert.Equal(new OplogTimestamp(200, 1), window.To);
        var gap = Assert.IsType<ChainBreak>(window.BreakAfter);
        Assert.Equal(new OplogTimestamp(200, 1), gap.From);
        Assert.Equal(new OplogTimestamp(300, 1), gap.MissingUntil);
        Assert.Equal("s3", gap.ContinuedBy.Id);
        Assert.Contains("oplog slices are missing from 1970-01-01 00:03:20Z", gap.ToString());
        Assert.Contains("slice s3 continues from Timestamp(300, 1)", gap.ToString());

        var inside = Refused(history, 250);
        Assert.Equal(ErrorIds.OutsideRestoreWindow, inside.ErrorId);
        Assert.Contains("oplog slices are missing", inside.Message);
        Assert.Contains("lost", inside.Message);

        var after = Refused(history, 450);
        Assert.Contains("oplog slices are missing", after.Message);
        Assert.Contains("take a new full backup (Backup-MongoDatabase)", after.Message);
        Assert.DoesNotContain("run Backup-MongoOplog", after.Message);
    }

    [Fact]
    public void A_moment_in_the_same_second_as_the_window_start_but_before_it_is_refused_naming_the_start_to_the_millisecond()
    {
        // The DBA pasted "…53 -05:00" (rounded from a list view); the window starts at …53.268Z.
        var full = Full("f", 100);
        full.ConsistentAt = full.ConsistentAt! with { WallTime = DateTimeOffset.FromUnixTimeMilliseconds(100_268) };
        SnapshotManifest[] history = [full, Slice("s1", 100, 200)];
        var typed = DateTimeOffset.FromUnixTimeMilliseconds(100_000).ToOffset(TimeSpan.FromHours(-5));

        var error = Assert.Throws<MongoBackupException>(() =>
            RestoreWindows.Choose(history, OplogLimit.AtWallTime(typed), new NamespaceFilter(null), "repo"));

        Assert.StartsWith("1970-01-01 00:01:40.000Z (1969-12-31 19:01:40.000 -05:00) is outside every restore window", error.Message);
        Assert.Contains("the oldest restore window starts at 1970-01-01 00:01:40.268Z (1969-12-31 19:01:40.268 -05:00)", error.Message);
        Assert.Equal(new DateTimeOffset(1970, 1, 1, 0, 1, 40, 268, TimeSpan.Zero), RestoreWindows.Compute(history)[0].FromWallTime);
    }

    [Fact]
    public void After_a_break_a_full_snapshot_taken_later_opens_a_new_window()
    {
        SnapshotManifest[] history = [Full("f1", 100), Slice("s1", 100, 200), Full("f2", 350), Slice("s3", 300, 400), Slice("s4", 400, 500)];

        Assert.Equal("f2", Choose(history, 450).BaseSnapshot.Id);
        // The window start is the base snapshot's own wall time, to the millisecond.
        Assert.Contains($"the first full snapshot after it is consistent at {OplogLimit.InUtc(At(350))},", Refused(history, 320).Message);
        Assert.Equal(2, RestoreWindows.Compute(history).Count);
    }

    [Fact]
    public void A_moment_past_the_last_slice_of_an_unbroken_chain_asks_for_Backup_MongoOplog()
    {
        var error = Refused([Full("f", 100), Slice("s1", 100, 200)], 300);
        Assert.Contains("run Backup-MongoOplog to extend the window", error.Message);
    }

    [Fact]
    public void A_partial_full_never_becomes_the_base_of_a_restore_it_does_not_cover()
    {
        // Databases a, b and c backed up; then b alone; then the oplog, from the a,b,c snapshot on.
        SnapshotManifest[] history = [Full("abc", 100, databases: ["a", "b", "c"]), Full("b", 200, databases: ["b"]), Slice("s", 100, 300)];

        var window = Assert.Single(RestoreWindows.Compute(history)); // b's window is inside abc's, for less
        Assert.Equal("abc", window.BaseSnapshot.Id);
        Assert.Equal("databases a, b, c", window.Scope.ToString());

        Assert.Equal("abc", Choose(history, 250, ["a"]).BaseSnapshot.Id);
        Assert.Equal("b", Choose(history, 250, ["b"]).BaseSnapshot.Id);
        Assert.Equal("abc", Choose(history, 250).BaseSnapshot.Id); // everything: what the chain took up to then
        Assert.Equal("abc", RestoreWindows.Choose(history, OplogLimit.AtClusterTime(new OplogTimestamp(250, 1)),
            new NamespaceFilter(collections: ["items"]), "repo").BaseSnapshot.Id); // items in every database the chain took
        var error = Refused(history, 250, ["d"]);
        Assert.Equal(ErrorIds.ScopeNotCovered, error.ErrorId);
        Assert.Contains("databases a, b, c (abc); databases b (b)", error.Message);
    }

    [Fact]
    public void Of_two_fulls_consistent_at_the_same_moment_the_one_that_covers_more_opens_the_window()
    {
        SnapshotManifest[] history = [Full("b", 100, databases: ["b"]), Full("abc", 100, databases: ["a", "b", "c"]), Slice("s", 100, 300)];

        Assert.Equal("abc", Assert.Single(RestoreWindows.Compute(history)).BaseSnapshot.Id);
        Assert.Equal("abc", Choose(history, 250, ["a"]).BaseSnapshot.Id);
    }

    [Fact]
    public void Fulls_of_different_databases_have_a_window_each_and_everything_needs_one_that_took_it_all()
    {
        SnapshotManifest[] history = [Full("a", 100, databases: ["a"]), Full("b", 200, databases: ["b"]), Slice("s", 100, 300)];

        var windows = RestoreWindows.Compute(history);
        Assert.Equal(["databases a", "databases b"], windows.Select(w => w.Scope.ToString()));
        Assert.Equal("a", Choose(history, 150).BaseSnapshot.Id); // up to then, only a had been backed up
        var error = Refused(history, 250);
        Assert.Equal(ErrorIds.ScopeNotCovered, error.ErrorId);
        Assert.Contains("-Database", error.Message);
    }

    [Fact]
    public void A_copy_only_full_is_never_the_base_of_a_window()
    {
        SnapshotManifest[] history = [Full("f", 100), Slice("s", 100, 300), Full("adhoc", 200, copyOnly: true)];

        var window = Assert.Single(RestoreWindows.Compute(history));
        Assert.Equal("f", window.BaseSnapshot.Id);
        Assert.Equal("f", Choose(history, 250).BaseSnapshot.Id);
        Assert.Equal(ErrorIds.OutsideRestoreWindow, Refused([Full("adhoc", 200, copyOnly: true)], 200).ErrorId);
    }

    public static TheoryData<string[]> DatabaseFilters => new() { new[] { "a" }, new[] { "b" }, new[] { "a", "b" }, new[] { "c" } };

    [Theory]
    [MemberData(nameof(DatabaseFilters))]
    public void The_windows_for_some_databases_hold_exactly_the_moments_a_restore_of_them_reaches(string[] databases)
    {
        // Partial fulls of a, then b, then everything, across a break in the slices (310 to 320 is missing).
        SnapshotManifest[] history =
        [
            Full("a", 100, databases: ["a"]), Slice("s1", 100, 150), Full("b", 150, databases: ["b"]), Slice("s2", 150, 310),
            Full("b2", 330, databases: ["b"]), Full("all", 340), Slice("s3", 320, 400),
        ];
        var windows = RestoreWindows.For(RestoreWindows.Compute(history), new NamespaceFilter(databases));

        for (uint second = 90; second <= 410; second += 5)
        {
            var moment = new OplogTimestamp(second, 1);
            var listed = windows.Any(w => w.Contains(moment));
            var restores = Record.Exception(() => Choose(history, second, databases)) is null;
            Assert.True(listed == restores, $"-Database {string.Join(",", databases)} at {second}: listed {listed}, the restore {(restores ? "reaches it" : "refuses it")}");
        }
        // Each moment once: no listed window lies inside another.
        Assert.DoesNotContain(windows, w => windows.Any(o => !ReferenceEquals(o, w) && o.From <= w.From && o.To >= w.To));
    }
}
