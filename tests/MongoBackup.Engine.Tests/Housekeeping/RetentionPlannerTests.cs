using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Housekeeping;

public sealed class RetentionPlannerTests
{
    private const uint Day = 86_400;

    private static Dictionary<string, RetentionDecision> PlanOf(IEnumerable<SnapshotManifest> history, RetentionRules rules) =>
        RetentionPlanner.Plan(AsListing(history), rules).Decisions.ToDictionary(d => d.SnapshotId);

    [Fact]
    public void KeepLast_keeps_the_newest_fulls_with_their_slices_and_removes_older_slices()
    {
        var history = new[]
        {
            Full("f1", 100), Slice("s1", 100, 200), Full("f2", 300), Slice("s2", 200, 400),
            Full("f3", 500), Slice("s3", 400, 600), Slice("s4", 600, 700),
        };
        var plan = PlanOf(history, new RetentionRules { KeepLast = 2 });

        Assert.Equal(RetentionAction.Remove, plan["f1"].Action);
        Assert.Equal(RetentionAction.Remove, plan["s1"].Action); // only f1's window needed it
        Assert.Equal(RetentionAction.Keep, plan["f2"].Action);
        Assert.Equal(RetentionAction.Keep, plan["s2"].Action);   // carries f2 from 300 onwards
        Assert.Equal(RetentionAction.Keep, plan["s3"].Action);
        Assert.Equal(RetentionAction.Keep, plan["s4"].Action);
        Assert.Contains("KeepLast 2", plan["f3"].Reason);
        Assert.Contains("f2", plan["s2"].Reason);
    }

    [Fact]
    public void KeepDaily_keeps_the_newest_full_of_each_of_the_last_days_that_have_one()
    {
        var history = new[] { Full("d1a", 10), Full("d1b", 20), Full("d2a", Day + 10), Full("d2b", Day + 20), Full("d4", 3 * Day + 5) };
        var plan = PlanOf(history, new RetentionRules { KeepDaily = 2 });

        Assert.Equal(["d2b", "d4"], plan.Values.Where(d => d.Action == RetentionAction.Keep).Select(d => d.SnapshotId).Order());
        Assert.Contains("KeepDaily 2", plan["d2b"].Reason);
    }

    [Fact]
    public void KeepWithin_counts_back_from_the_newest_full_snapshot_not_from_now()
    {
        var history = new[] { Full("old", 10), Full("recent", 5 * Day), Full("newest", 6 * Day) };
        var plan = PlanOf(history, new RetentionRules { KeepWithin = TimeSpan.FromDays(2) });

        Assert.Equal(RetentionAction.Remove, plan["old"].Action);
        Assert.Equal(RetentionAction.Keep, plan["recent"].Action);
        Assert.Equal(RetentionAction.Keep, plan["newest"].Action);
    }

    [Fact]
    public void Slices_after_a_gap_newer_than_the_newest_kept_full_stay_and_orphans_between_fulls_go()
    {
        var history = new[]
        {
            Full("f1", 100), Slice("s1", 100, 200), Slice("orphan", 200, 300, gap: true), Full("f2", 400),
            Slice("s2", 400, 500), Slice("tail", 500, 600, gap: true),
        };
        var plan = PlanOf(history, new RetentionRules { KeepLast = 2 });

        Assert.Equal(RetentionAction.Keep, plan["s1"].Action);
        Assert.Equal(RetentionAction.Remove, plan["orphan"].Action);
        Assert.Equal(RetentionAction.Keep, plan["s2"].Action);
        Assert.Equal(RetentionAction.Keep, plan["tail"].Action);
        Assert.Contains("oplog capture continues", plan["tail"].Reason);
    }

    [Fact]
    public void Failed_snapshots_go_and_unfinished_ones_are_left_alone()
    {
        var failed = Full("failed", 50);
        failed.Status = SnapshotStatus.Failed;
        var listing = AsListing([Full("f1", 100), failed]);
        listing.Add(new ManifestReadResult("running", null, "no manifest"));
        var plan = RetentionPlanner.Plan(listing, new RetentionRules { KeepLast = 1 }).Decisions.ToDictionary(d => d.SnapshotId);

        Assert.Equal(RetentionAction.Remove, plan["failed"].Action);
        Assert.Equal(RetentionAction.Keep, plan["running"].Action);
        Assert.Equal(RetentionAction.Keep, plan["f1"].Action);
    }

    [Fact]
    public void Rules_that_keep_nothing_are_refused_naming_the_problem()
    {
        var none = Assert.Throws<MongoBackupException>(() => RetentionPlanner.Plan(AsListing([Full("f1", 1)]), new RetentionRules()));
        Assert.Equal(ErrorIds.InvalidArgument, none.ErrorId);
        var zero = Assert.Throws<MongoBackupException>(() => RetentionPlanner.Plan(AsListing([Full("f1", 1)]), new RetentionRules { KeepDaily = 0 }));
        Assert.Contains("KeepDaily", zero.Message);
    }

    [Fact]
    public void Random_histories_under_random_rules_never_break_a_kept_window()
    {
        var random = new Random(20261124);
        var (removedSlices, keptSlices) = (0, 0);
        for (var run = 0; run < 400; run++)
        {
            var history = RandomHistory(random);
            var rules = RandomRules(random);
            var plan = RetentionPlanner.Plan(AsListing(history), rules);
            var kept = plan.Decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.SnapshotId).ToHashSet();
            var removed = plan.Removals.Select(d => d.SnapshotId).ToHashSet();
            var context = $"run {run}, rules {rules}, history {string.Join(" ", history.Select(Describe))}";

            var before = new RestoreChains(history);
            var after = new RestoreChains(history.Where(s => kept.Contains(s.Id)));
            foreach (var full in history.Where(s => s.Kind == SnapshotKind.Full && kept.Contains(s.Id)))
            {
                Assert.All(before.SlicesOf(full.Id), s => Assert.True(kept.Contains(s.Id), $"{s.Id} of {full.Id}'s window was removed; {context}"));
                Assert.Equal(before.WindowOf(full.Id)?.To, after.WindowOf(full.Id)?.To);
            }
            foreach (var source in history.GroupBy(s => s.Source.ReplicaSetName))
            {
                var newest = source.Where(s => s.Kind == SnapshotKind.Full).MaxBy(s => s.StartTime);
                if (newest is not null) Assert.True(kept.Contains(newest.Id), $"newest full {newest.Id} was removed; {context}");
            }
            if (rules.KeepLast is { } last)
                Assert.All(history.Where(s => s.Kind == SnapshotKind.Full).GroupBy(s => s.Source.ReplicaSetName)
                    .SelectMany(g => g.OrderByDescending(s => s.StartTime).Take(last)), f => Assert.Contains(f.Id, kept));
            if (rules.RestoreWindow is { } span) AssertWindowStaysRestorable(history, kept, span, context);
            var blockers = RemovalGuard.FindBlockers(history, removed);
            Assert.True(blockers.Count == 0, $"{string.Join("; ", blockers)}; {context}");
            Assert.Equal(history.Count, plan.Decisions.Count);
            removedSlices += plan.Removals.Count(d => d.Kind == SnapshotKind.Oplog);
            keptSlices += plan.Decisions.Count(d => d.Kind == SnapshotKind.Oplog && d.Action == RetentionAction.Keep);
        }
        // The histories must exercise both sides, or the invariants above prove nothing.
        Assert.True(removedSlices > 100 && keptSlices > 100, $"{removedSlices} slices removed, {keptSlices} kept");
    }

    private static List<SnapshotManifest> RandomHistory(Random random)
    {
        var history = new List<SnapshotManifest>();
        var chainEnd = new Dictionary<string, uint>();
        uint now = 1000;
        var events = random.Next(1, 40);
        for (var i = 0; i < events; i++)
        {
            now += (uint)random.Next(600, (int)(9 * Day));
            var source = random.Next(6) == 0 ? "rs1" : "rs0";
            if (random.Next(3) == 0 || !chainEnd.ContainsKey(source))
            {
                history.Add(Full($"f{i}", now, source, databases: random.Next(5) == 0 ? ["a"] : null));
                chainEnd.TryAdd(source, now);
                if (random.Next(4) == 0) chainEnd[source] = now; // a slice run that starts over from this full
            }
            else
            {
                history.Add(Slice($"s{i}", chainEnd[source], now, gap: random.Next(8) == 0, replicaSet: source));
                chainEnd[source] = now;
            }
        }
        return history;
    }

    private static RetentionRules RandomRules(Random random)
    {
        int? Maybe(int max) => random.Next(3) == 0 ? random.Next(1, max) : null;
        var rules = new RetentionRules
        {
            KeepLast = Maybe(5), KeepDaily = Maybe(8), KeepWeekly = Maybe(5), KeepMonthly = Maybe(4),
            KeepWithin = random.Next(4) == 0 ? TimeSpan.FromDays(random.Next(1, 30)) : null,
            RestoreWindow = random.Next(3) == 0 ? TimeSpan.FromHours(random.Next(1, 40 * 24)) : null,
        };
        return rules is { KeepLast: null, KeepDaily: null, KeepWeekly: null, KeepMonthly: null, KeepWithin: null, RestoreWindow: null }
            ? rules with { KeepLast = 1 } : rules;
    }

    /// <summary>
    /// Every moment of the restore window (the span before each source's newest restorable moment) that a restore could
    /// reach before retention, it still reaches after, for as much as it could restore.
    /// </summary>
    private static void AssertWindowStaysRestorable(List<SnapshotManifest> history, HashSet<string> kept, TimeSpan span, string context)
    {
        var after = RestoreWindows.Compute(history.Where(s => kept.Contains(s.Id)));
        foreach (var source in history.GroupBy(s => s.Source.ReplicaSetName))
        {
            var before = RestoreWindows.Compute(source);
            if (before.Count == 0) continue;
            var start = before.Max(w => w.ToWallTime) - span;
            foreach (var window in before.Where(w => w.ToWallTime >= start))
            {
                var from = window.FromWallTime > start ? window.FromWallTime : start;
                Assert.True(after.Any(w => w.ReplicaSetName == window.ReplicaSetName && ScopeCoverage.Contains(w.Scope, window.Scope)
                        && w.FromWallTime <= from && w.ToWallTime >= window.ToWallTime),
                    $"{from:u} to {window.ToWallTime:u} ({window.Scope}) of the restore window {start:u} can no longer be restored; {context}");
            }
        }
    }

    private static string Describe(SnapshotManifest s) => s.Kind == SnapshotKind.Full
        ? $"{s.Id}@{s.ConsistentAt!.Timestamp.Seconds}/{s.Source.ReplicaSetName}{(s.Scope is null ? "" : $" ({s.EffectiveScope})")}"
        : $"{s.Id}({s.PreviousSliceEnd!.Value.Seconds}-{s.OplogEnd!.Value.Seconds}{(s.Gap is null ? "" : " gap")})/{s.Source.ReplicaSetName}";
}
