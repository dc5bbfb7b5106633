using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>The RestoreWindow retention rule: what a point-in-time restore to any moment of the last span needs stays.</summary>
public sealed class RestoreWindowRetentionTests
{
    private const uint Hour = 3_600;
    private const uint Day = 86_400;

    private static Dictionary<string, RetentionDecision> PlanOf(IEnumerable<SnapshotManifest> history, RetentionRules rules) =>
        RetentionPlanner.Plan(AsListing(history), rules).Decisions.ToDictionary(d => d.SnapshotId);

    private static string[] Kept(Dictionary<string, RetentionDecision> plan) =>
        plan.Values.Where(d => d.Action == RetentionAction.Keep).Select(d => d.SnapshotId).Order(StringComparer.Ordinal).ToArray();

    private static string[] Ids(IEnumerable<SnapshotManifest> history) => history.Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Hourly slices from <paramref name="from"/> to <paramref name="until"/>, named prefix + hour.</summary>
    private static IEnumerable<SnapshotManifest> Slices(string prefix, uint from, uint until)
    {
        for (var at = from; at < until; at += Hour) yield return Slice($"{prefix}{at / Hour:000}", at, Math.Min(at + Hour, until));
    }

    /// <summary>The DBA's day: a full at 01:00 and at 13:00 today, hourly slices from the first to 18:00.</summary>
    private static List<SnapshotManifest> TwoFullsToday() =>
    [
        Full("f-0100", Hour), .. Slices("s", Hour, 13 * Hour), Full("f-1300", 13 * Hour), .. Slices("s", 13 * Hour, 18 * Hour),
    ];

    [Fact]
    public void The_DBAs_case_keeps_the_earlier_full_of_today_and_its_slices_so_the_earliest_restorable_moment_stays()
    {
        var history = TwoFullsToday();
        var earliest = RestoreWindows.Compute(history)[0].FromWallTime;

        // What the DBA saw: the daily and weekly rules keep only the newest full of the day, and the window shrinks to it.
        var daily = PlanOf(history, new RetentionRules { KeepDaily = 7, KeepWeekly = 4 });
        Assert.Equal(RetentionAction.Remove, daily["f-0100"].Action);
        Assert.Equal(RetentionAction.Remove, daily["s001"].Action);

        var plan = PlanOf(history, new RetentionRules { KeepDaily = 7, KeepWeekly = 4, RestoreWindow = TimeSpan.FromDays(3) });

        Assert.Equal(Ids(history), Kept(plan));
        // The chain reaches back to 01:00 today only: the reasons name what is restorable, not the 3 days the window asks for.
        Assert.Contains("RestoreWindow 3d (inside the restorable part of the restore window, 2026-01-01 01:00:00.000Z to 2026-01-01 18:00:00.000Z)", plan["f-0100"].Reason);
        Assert.Contains("KeepDaily 7", plan["f-1300"].Reason);
        Assert.Contains("RestoreWindow 3d", plan["f-1300"].Reason);
        Assert.Equal("kept by RestoreWindow 3d: the restorable part of the restore window, 2026-01-01 01:00:00.000Z to 2026-01-01 18:00:00.000Z, needs every slice from full snapshot f-0100 on",
            plan["s001"].Reason);
        var after = RestoreWindows.Compute(history.Where(s => plan[s.Id].Action == RetentionAction.Keep));
        Assert.Equal(earliest, after[0].FromWallTime);
    }

    [Fact]
    public void A_window_the_chain_does_not_yet_cover_is_warned_of_from_when_to_when_and_a_covered_one_is_not()
    {
        var young = RetentionPlanner.Plan(AsListing(TwoFullsToday()), new RetentionRules { RestoreWindow = TimeSpan.FromDays(30) });
        var warning = Assert.Single(young.Warnings);
        Assert.Equal("Replica set rs0: RestoreWindow 30d is not yet covered: a point-in-time restore reaches from 2026-01-01 01:00:00.000Z to " +
            "2026-01-01 18:00:00.000Z, and the window asks from 2025-12-02 18:00:00.000Z; the moments before 2026-01-01 01:00:00.000Z were never backed up, " +
            "and the window fills as the schedule runs.", warning);

        var covered = RetentionPlanner.Plan(AsListing(TwoFullsToday()), new RetentionRules { RestoreWindow = TimeSpan.FromHours(10) });
        Assert.Empty(covered.Warnings);
        var bySlices = covered.Decisions.Where(d => d.Reason.StartsWith("kept by RestoreWindow 10h: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(bySlices);
        Assert.All(bySlices, d => Assert.Contains("the restore window 2026-01-01 08:00:00.000Z to 2026-01-01 18:00:00.000Z needs every slice", d.Reason));
    }

    [Fact]
    public void The_window_ends_at_the_newest_moment_Get_MongoRestoreWindow_shows_not_a_later_full_it_cannot_restore_to()
    {
        // A full of the replica set that is not point-in-time consistent (no restore window starts at it) ended at 20:00,
        // after the last slice (18:00): a point-in-time restore reaches 18:00, so the window ends there.
        var history = TwoFullsToday();
        var late = Full("f-2000", 20 * Hour);
        (late.ConsistentAt, late.PointInTimeConsistent) = (null, false);
        history.Add(late);

        var rule = RestoreWindowRule.For(TimeSpan.FromHours(2), history, new RestoreChains(history))!;

        Assert.Equal(RestoreWindows.Compute(history).Max(w => w.ToWallTime), rule.End);
        Assert.Equal(At(18 * Hour), rule.End);
    }

    [Fact]
    public void The_window_counts_from_the_end_of_the_chain_and_keeps_the_newest_full_at_or_before_its_start()
    {
        // Fulls each day at midnight, slices hourly to day 4 06:00: a 1-day window runs from day 3 06:00, so the full of
        // day 3 is the base a restore to its start needs; the fulls of days 0 to 2 and their slices go.
        var history = new List<SnapshotManifest>();
        for (uint day = 0; day < 5; day++) history.Add(Full($"f{day}", day * Day + 1));
        history.AddRange(Slices("s", 1, 4 * Day + 6 * Hour));

        var plan = PlanOf(history, new RetentionRules { RestoreWindow = TimeSpan.FromDays(1) });

        Assert.Equal(["f3", "f4"], Kept(plan).Where(id => id.StartsWith('f')));
        Assert.Contains("the newest full snapshot at or before the restore window's start, 2026-01-04 06:00:00.000Z", plan["f3"].Reason);
        Assert.All(history.Where(s => s.Kind == SnapshotKind.Oplog), s =>
            Assert.Equal(s.OplogEnd!.Value.Seconds > 3 * Day + 1 ? RetentionAction.Keep : RetentionAction.Remove, plan[s.Id].Action));
        Assert.Equal(At(3 * Day + 1), RestoreWindows.Compute(history.Where(s => plan[s.Id].Action == RetentionAction.Keep))[0].FromWallTime);
    }

    [Fact]
    public void A_window_with_a_gap_keeps_the_full_before_the_gap_and_every_slice_after_it()
    {
        // a at 0, slices to day 2, the oplog lost from day 2 to 2.5 (the slice ending at 2.6 records it), b at day 3.
        List<SnapshotManifest> history =
        [
            Full("a", 1), Slice("s1", 1, Day), Slice("s2", Day, 2 * Day), Slice("s3-gap", 2 * Day, 2 * Day + 14 * Hour, gap: true),
            Full("b", 3 * Day), Slice("s4", 2 * Day + 14 * Hour, 3 * Day + Hour), Slice("s5", 3 * Day + Hour, 4 * Day),
        ];
        var before = RestoreWindows.Compute(history);
        Assert.Equal(2, before.Count); // the gap splits the chain

        var plan = PlanOf(history, new RetentionRules { RestoreWindow = TimeSpan.FromDays(3) });

        Assert.Equal(Ids(history), Kept(plan)); // from a (before day 1, the start) on, the orphan after the gap included
        Assert.Contains("restore window", plan["s3-gap"].Reason);
        var after = RestoreWindows.Compute(history.Where(s => plan[s.Id].Action == RetentionAction.Keep));
        Assert.Equal(before.Select(w => (w.From, w.To)), after.Select(w => (w.From, w.To)));

        // A window starting exactly at b: b is the newest full at or before it; a and the slices up to b go.
        var short1 = PlanOf(history, new RetentionRules { RestoreWindow = TimeSpan.FromDays(1) });
        Assert.Equal(["b", "s4", "s5"], Kept(short1));
        Assert.Equal("no rule (RestoreWindow 1d) keeps it", short1["a"].Reason);
    }

    [Fact]
    public void A_window_longer_than_the_chain_keeps_everything_from_the_oldest_full_on()
    {
        var history = TwoFullsToday();
        var plan = PlanOf(history, new RetentionRules { RestoreWindow = TimeSpan.FromDays(30) });

        Assert.Equal(Ids(history), Kept(plan));
        Assert.All(plan.Values, d => Assert.Contains("restore window", d.Reason));
    }

    [Fact]
    public void KeepLast_and_the_window_each_keep_their_own_and_the_reasons_say_which()
    {
        var history = new List<SnapshotManifest>();
        for (uint day = 0; day < 4; day++) history.Add(Full($"f{day}", day * Day + 1));
        history.AddRange(Slices("s", 1, 3 * Day + 12 * Hour));

        // The window (day 2 12:00 to day 3 12:00) needs f2; KeepLast 1 keeps f3 alone.
        var narrow = PlanOf(history, new RetentionRules { KeepLast = 1, RestoreWindow = TimeSpan.FromDays(1) });
        Assert.Equal(["f2", "f3"], Kept(narrow).Where(id => id.StartsWith('f')));
        Assert.Equal("kept by KeepLast 1 (#1), RestoreWindow 1d (inside the restore window 2026-01-03 12:00:00.000Z to 2026-01-04 12:00:00.000Z)",
            narrow["f3"].Reason);
        Assert.StartsWith("kept by RestoreWindow 1d (the newest full snapshot", narrow["f2"].Reason);

        // KeepLast 3 reaches further back than the window: f1 and the slices of its window stay, by KeepLast.
        var wide = PlanOf(history, new RetentionRules { KeepLast = 3, RestoreWindow = TimeSpan.FromDays(1) });
        Assert.Equal(["f1", "f2", "f3"], Kept(wide).Where(id => id.StartsWith('f')));
        Assert.Equal("kept by KeepLast 3 (#3)", wide["f1"].Reason);
        Assert.Equal(RetentionAction.Keep, wide["s025"].Action);
        Assert.Contains("needed by the restore window", wide["s025"].Reason);
        Assert.Equal(RetentionAction.Remove, wide["s023"].Action);
    }

    [Fact]
    public void The_window_counts_from_the_newest_snapshot_not_from_now_so_a_stopped_job_keeps_it()
    {
        // The history ended long ago (2026-01-01): counted from now, a 3-day window would keep nothing but the rules' minimum.
        var history = TwoFullsToday();
        var rule = RestoreWindowRule.For(TimeSpan.FromDays(3), history, new RestoreChains(history))!;
        Assert.Equal(At(18 * Hour), rule.End);
        Assert.Equal(At(18 * Hour) - TimeSpan.FromDays(3), rule.Start);
    }

    /// <summary>
    /// The rule reads its end from the windows retention worked out for each full snapshot (RestoreChains) instead of
    /// computing every window of the source a second time: the end must be the one the source's windows computed together
    /// give, over histories with a break, a gap, a scoped full after a whole one, a copy-only full and a second source.
    /// </summary>
    public static TheoryData<string> Histories => ["two fulls today", "break", "gap", "scoped after whole", "copy-only newest", "two sources"];

    [Theory]
    [MemberData(nameof(Histories))]
    public void The_windows_read_from_the_chains_end_where_the_sources_windows_computed_together_end(string name)
    {
        List<SnapshotManifest> history = name switch
        {
            "two fulls today" => TwoFullsToday(),
            "break" => [Full("f1", Hour), .. Slices("a", Hour, 5 * Hour), .. Slices("b", 6 * Hour, 9 * Hour)],
            "gap" => [Full("f1", Hour), .. Slices("a", Hour, 4 * Hour), Slice("g", 4 * Hour, 7 * Hour, gap: true), Full("f2", 8 * Hour), .. Slices("c", 8 * Hour, 10 * Hour)],
            "scoped after whole" => [Full("f1", Hour), .. Slices("a", Hour, 3 * Hour), Full("f2", 3 * Hour, databases: ["shop"]), .. Slices("b", 3 * Hour, 6 * Hour)],
            "copy-only newest" => [Full("f1", Hour), .. Slices("a", Hour, 3 * Hour), Full("f2", 9 * Hour, copyOnly: true)],
            _ => [Full("f1", Hour), .. Slices("a", Hour, 3 * Hour), Full("g1", 2 * Hour, replicaSet: "rs1"), Slice("h1", 2 * Hour, 12 * Hour, replicaSet: "rs1")],
        };
        var chains = new RestoreChains(history);
        foreach (var source in history.GroupBy(s => s.Source.ReplicaSetName))
        {
            var snapshots = source.ToList();
            var fulls = snapshots.Where(s => s.IsChainFull).ToList();
            var windows = RestoreWindows.Compute(snapshots);
            var together = windows.Count > 0 ? windows.Max(w => w.ToWallTime) : fulls.Max(RestoreWindowRule.MomentOf);

            var rule = RestoreWindowRule.For(TimeSpan.FromHours(1), snapshots, chains)!;

            Assert.Equal(together, rule.End);
        }
    }

    [Fact]
    public void Standalone_fulls_count_from_the_end_of_their_backup()
    {
        var history = Enumerable.Range(0, 4).Select(day => Standalone($"f{day}", (uint)day * Day + 10)).ToList();

        var plan = PlanOf(history, new RetentionRules { RestoreWindow = TimeSpan.FromDays(2) });

        // The window runs from day 1 (the newest backup's end, less 2 days): f1 ended at its start, the base.
        Assert.Equal(["f1", "f2", "f3"], Kept(plan));
    }

    [Fact]
    public void A_window_that_is_not_positive_is_refused_naming_it()
    {
        var zero = Assert.Throws<MongoBackupException>(() => RetentionPlanner.Plan(AsListing(TwoFullsToday()), new RetentionRules { RestoreWindow = TimeSpan.Zero }));
        Assert.Equal(ErrorIds.InvalidArgument, zero.ErrorId);
        Assert.Equal("RestoreWindow", zero.Target);
    }

    /// <summary>
    /// Breaker test (fails): production's chain (a full at day 0, hourly slices to day 3) beside one full snapshot of
    /// staging, another replica set initiated under the same name rs0 (its own replicaSetId), taken into the same
    /// repository at day 1.5. The rule groups snapshots by the set's name, so staging's full is "the newest full at or
    /// before the window's start" (day 2) and production's only full is removed: no moment of production's last day can be
    /// restored any more, though the window was asked to keep it. A replica set is its replicaSetId (replSetGetConfig's
    /// settings.replicaSetId, src/mongo/db/repl/repl_set_config.cpp); the capture already refuses a slice of another id
    /// (ChainContinuity.RequireSameSet).
    /// </summary>
    [Fact]
    public void Breaker_a_full_of_another_set_of_the_same_name_does_not_stand_in_for_this_sets_base()
    {
        var production = new List<SnapshotManifest> { Full("prod-f0", 1) };
        production.AddRange(Slices("s", 1, 3 * Day));
        foreach (var snapshot in production) snapshot.Source.ReplicaSetId = "64b0c0ffee00000000000001";
        var staging = Full("staging-f", 3 * Day / 2);
        staging.Source.ReplicaSetId = "64b0c0ffee0000000000beef";
        var before = RestoreWindows.Compute(production);

        var plan = PlanOf(production.Append(staging), new RetentionRules { RestoreWindow = TimeSpan.FromDays(1) });

        Assert.Equal(RetentionAction.Keep, plan["prod-f0"].Action);
        var after = RestoreWindows.Compute(production.Where(s => plan[s.Id].Action == RetentionAction.Keep));
        Assert.Equal(before.Single().To, Assert.Single(after).To);
    }

    private static SnapshotManifest Standalone(string id, uint endSecond)
    {
        var full = Full(id, endSecond, replicaSet: null!);
        (full.ConsistentAt, full.PointInTimeConsistent, full.OplogStart, full.OplogEnd) = (null, false, null, null);
        full.Source.Topology = "Standalone";
        return full;
    }
}
