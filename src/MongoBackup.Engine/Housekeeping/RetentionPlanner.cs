using System.Globalization;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Works out which snapshots the retention rules keep. The rules pick full snapshots (per source, as
/// <see cref="SnapshotSources"/> tells sources apart: a replica set's name and replicaSetId, so a full snapshot of another
/// set of the same name never counts for this one's; and per scope: see KeepPerScope; copy-only snapshots are outside the
/// chain and left alone);
/// each kept full keeps the oplog slices of its restore window, so no kept window loses a slice. The restore-window rule
/// (<see cref="RestoreWindowRule"/>) also keeps every slice from the oldest full snapshot it keeps on. Slices no kept
/// window needs go, except those after the newest kept full snapshot: that is where the oplog capture continues.
/// Failed snapshots go, and so do unfinished ones (no manifest) once every run that wrote them is known to be gone
/// (<see cref="SnapshotWriters"/>: a killed or crashed backup); an unfinished one whose writer may still run, and damaged ones
/// (a manifest that cannot be read), are left alone.
/// <para>
/// Given one source (a backup policy's: the deployment it backs up), the rules reach that source's snapshots only: every
/// other source's are kept, failed ones included, for that source's own policy or a whole-repository retention to decide.
/// A snapshot without a recorded id that another source of its name could also own is kept as well (see
/// <see cref="SnapshotSources"/>): one source's rules never remove what may be another's.
/// </para>
/// </summary>
public static class RetentionPlanner
{
    /// <summary>
    /// Keep or Remove for every snapshot of the listing, with the reason, newest first. Pure: reads and writes nothing.
    /// </summary>
    /// <param name="snapshots">The repository's listing.</param>
    /// <param name="rules">The rules.</param>
    /// <param name="only">The one source the rules reach (see the class's remarks); every source of the repository when null.</param>
    /// <param name="writers">
    /// For snapshots without a manifest, their writer marks as <see cref="SnapshotWriters"/> judged them: one whose writers are
    /// all gone is an abandoned backup, removed; one that may still be written, or that is missing here (a repository that
    /// keeps no marks), is left alone.
    /// </param>
    /// <exception cref="MongoBackupException">InvalidArgument: the rules keep nothing, or one is below 1 (see <see cref="RetentionRules.Validate"/>).</exception>
    public static RetentionPlan Plan(IReadOnlyCollection<ManifestReadResult> snapshots, RetentionRules rules, SourceIdentity? only = null,
        IReadOnlyDictionary<string, IReadOnlyList<WriterState>>? writers = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        rules.Validate();
        var decisions = new List<RetentionDecision>();
        var warnings = new List<string>();
        var complete = snapshots.Select(s => s.Manifest).OfType<SnapshotManifest>().Where(m => m.Status == SnapshotStatus.Complete).ToList();
        var chains = new RestoreChains(complete);

        foreach (var group in SnapshotSources.Group(complete))
        {
            var source = group.Snapshots;
            if (only is not null && !only.Includes(group))
            {
                decisions.AddRange(source.Select(s => OtherSource(s, group, only)));
                continue;
            }
            if (group.BesideRecordedIds) warnings.Add(OwnSource(group, rules));
            // Every chain full counts, with or without a consistency point (a standalone's are kept by the rules too).
            // The rule reads the windows the chains hold: each source's windows are worked out once, here.
            var window = RestoreWindowRule.For(rules.RestoreWindow, source, chains);
            if (window?.Shortfall is { } shortfall)
                warnings.Add($"{(group.ReplicaSetName is null ? "" : $"Replica set {group.ReplicaSetName}{(group.Id is null && !group.BesideRecordedIds ? "" : $" (SourceId {group.SourceId})")}: ")}{shortfall}.");
            var keptFulls = KeepPerScope(source.Where(s => s.IsChainFull).ToList(), rules, window);
            foreach (var full in source.Where(s => s.Kind == SnapshotKind.Full))
                decisions.Add(full.CopyOnly
                    ? Decide(full, RetentionAction.Keep, "it is copy-only: outside the backup chain, retention neither counts nor removes it (Remove-MongoSnapshot does)")
                    : keptFulls.TryGetValue(full.Id, out var why)
                        ? Decide(full, RetentionAction.Keep, why)
                        : Decide(full, RetentionAction.Remove, $"no rule ({rules}) keeps it"));
            decisions.AddRange(DecideSlices(source.Where(s => s.Kind == SnapshotKind.Oplog), keptFulls.Keys, source, chains, window));
        }
        // Each snapshot is in one source (SnapshotSources.Group); kept when any decision keeps it, as a safeguard.
        decisions = decisions.GroupBy(d => d.SnapshotId, StringComparer.Ordinal)
            .Select(d => d.FirstOrDefault(k => k.Action == RetentionAction.Keep) ?? d.First()).ToList();
        foreach (var other in snapshots.Where(s => s.Manifest is not { Status: SnapshotStatus.Complete }))
            decisions.Add(other.Manifest is { } failed
                ? only is not null && !only.Includes(failed) ? OtherSource(failed, null, only) : Decide(failed, RetentionAction.Remove, $"the backup is marked {failed.Status}; nothing can be restored from it")
                : other.IsDamaged
                    ? Unfinished(other, RetentionAction.Keep,
                        "its manifest is damaged, so the backup finished and its data may be whole; retention never removes it (Remove-MongoSnapshot -Id with -Force does)")
                    : Unfinished(other, writers));

        return new RetentionPlan(decisions.OrderByDescending(d => d.StartTime ?? DateTimeOffset.MaxValue)
            .ThenByDescending(d => d.SnapshotId, StringComparer.Ordinal).ToList()) { Warnings = warnings, Source = only };
    }

    /// <summary>
    /// A snapshot without a manifest: removed once every run that wrote it is known to be gone (an abandoned backup, whose
    /// files only take space), left alone while one may still be writing it, or when its writers could not be read.
    /// Being of no source (no manifest names one), it is judged the same under a policy's one-source rules. Only our own
    /// unfinished snapshots come here: the listing never shows a folder of another name without a manifest (an export kept
    /// beside the snapshots; see <see cref="SnapshotIds.IsGiven"/>).
    /// </summary>
    private static RetentionDecision Unfinished(ManifestReadResult found, IReadOnlyDictionary<string, IReadOnlyList<WriterState>>? writers)
    {
        if (writers is null || !writers.TryGetValue(found.SnapshotId, out var judged))
            return Unfinished(found, RetentionAction.Keep, "it has no manifest (an unfinished backup, or one still running) and its writer marks cannot be read here; retention leaves it alone");
        if (judged.FirstOrDefault(w => w.MayBeWriting) is { } live)
            return Unfinished(found, RetentionAction.Keep,
                $"it has no manifest yet and is still being written by {live.Mark.Holder}, whose writer mark runs until {live.Mark.ExpiresAt:u} ({live.Why}); " +
                "retention never removes a snapshot whose writer may be running");
        return Unfinished(found, RetentionAction.Remove,
            $"it is an abandoned unfinished backup: it has no manifest and nothing can be restored from it, and its writer is gone ({SnapshotWriters.Abandoned(judged)})");
    }

    /// <summary>A decision on a snapshot without a readable manifest: its kind and start read from its id, which say them too.</summary>
    private static RetentionDecision Unfinished(ManifestReadResult found, RetentionAction action, string reason) =>
        new(found.SnapshotId, SnapshotIds.KindOf(found.SnapshotId), SnapshotIds.StartOf(found.SnapshotId), action, reason, null);

    private static RetentionDecision OtherSource(SnapshotManifest snapshot, SourceGroup? group, SourceIdentity only) => Decide(snapshot, RetentionAction.Keep,
        $"{RetentionPlan.OtherSourcePrefix}{group?.Describe() ?? SnapshotSources.Describe(snapshot)}, not {only}, the one source these rules reach: " +
        (group is { BesideRecordedIds: true }
            ? "it recorded no replicaSetId and no chain link ties it to this source, so it may be another set's of that name; " +
              "Invoke-MongoSnapshotRetention applies the rules to it as a source of its own, or Remove-MongoSnapshot removes it"
            : "its own policy, or Invoke-MongoSnapshotRetention or Remove-MongoSnapshot, decides on it"));

    /// <summary>
    /// What retention says of a source that recorded no id beside sources of its name that did (<see cref="SourceGroup.BesideRecordedIds"/>):
    /// the rules keep its newest full snapshots as they keep any source's, so a set that is no longer backed up keeps them
    /// until the user removes them, and the warning says how.
    /// </summary>
    private static string OwnSource(SourceGroup group, RetentionRules rules) =>
        $"Replica set {group.ReplicaSetName}: {group.Snapshots.Count} snapshot(s) recorded no replicaSetId, and no chain link ties them to a set whose " +
        $"snapshots recorded one, so they are a source of their own, SourceId {group.SourceId} (perhaps another set of that name, backed up before ids " +
        $"were recorded). The rules ({rules}) apply to it alone and keep its newest full snapshots however old; once they are no longer needed, " +
        $"remove them with Get-MongoSnapshot -SourceId {group.SourceId} | Remove-MongoSnapshot.";

    /// <summary>
    /// The full snapshots any rule keeps, each with the rules that keep it. The rules apply to each scope among the
    /// fulls on its own, over the fulls that cover that scope: a snapshot of some databases never takes the place of
    /// one of all of them, while a whole snapshot counts for every scope.
    /// </summary>
    private static Dictionary<string, string> KeepPerScope(List<SnapshotManifest> fulls, RetentionRules rules, RestoreWindowRule? window)
    {
        var scopes = fulls.Select(f => f.EffectiveScope).DistinctBy(s => s.ToString()).ToList();
        var reasons = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            var suffix = scopes.Count > 1 ? $" for {scope}" : "";
            void Keep(SnapshotManifest full, string why)
            {
                if (!reasons.TryGetValue(full.Id, out var list)) reasons[full.Id] = list = [];
                if (!list.Contains(why + suffix)) list.Add(why + suffix);
            }
            var covering = fulls.Where(f => ScopeCoverage.Contains(f.EffectiveScope, scope)).ToList();
            KeepFulls(covering, rules, Keep);
            window?.KeepFulls(covering, Keep);
        }
        return reasons.ToDictionary(r => r.Key, r => "kept by " + string.Join(", ", r.Value), StringComparer.Ordinal);
    }

    private static void KeepFulls(IEnumerable<SnapshotManifest> fulls, RetentionRules rules, Action<SnapshotManifest, string> keep)
    {
        var newestFirst = fulls.OrderByDescending(f => f.StartTime).ThenByDescending(f => f.Id, StringComparer.Ordinal).ToList();
        if (rules.KeepLast is { } last)
            foreach (var (full, rank) in newestFirst.Take(last).Select((f, i) => (f, i + 1)))
                keep(full, $"KeepLast {last} (#{rank})");
        KeepNewestPerBucket(newestFirst, rules.KeepDaily, "KeepDaily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), keep);
        KeepNewestPerBucket(newestFirst, rules.KeepWeekly, "KeepWeekly",
            t => $"{ISOWeek.GetYear(t.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(t.UtcDateTime):00}", keep);
        KeepNewestPerBucket(newestFirst, rules.KeepMonthly, "KeepMonthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), keep);
        if (rules.KeepWithin is { } within && newestFirst.Count > 0)
            foreach (var full in newestFirst.Where(f => f.StartTime >= newestFirst[0].StartTime - within))
                keep(full, $"KeepWithin {RetentionRules.Show(within)} of the newest full snapshot");
    }

    private static void KeepNewestPerBucket(List<SnapshotManifest> newestFirst, int? count, string rule,
        Func<DateTimeOffset, string> bucketOf, Action<SnapshotManifest, string> keep)
    {
        if (count is not { } n) return;
        string? lastBucket = null;
        var buckets = 0;
        foreach (var full in newestFirst)
        {
            var bucket = bucketOf(full.StartTime.ToUniversalTime());
            if (bucket == lastBucket) continue;
            lastBucket = bucket;
            if (++buckets > n) break;
            keep(full, $"{rule} {n} (newest of {bucket})");
        }
    }

    private static IEnumerable<RetentionDecision> DecideSlices(IEnumerable<SnapshotManifest> slices, IEnumerable<string> keptFullIds,
        IEnumerable<SnapshotManifest> source, RestoreChains chains, RestoreWindowRule? window)
    {
        var kept = keptFullIds.ToList();
        var neededBy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var fullId in kept)
            foreach (var slice in chains.SlicesOf(fullId))
                neededBy.TryAdd(slice.Id, fullId);
        var fulls = source.Where(s => s.Kind == SnapshotKind.Full && kept.Contains(s.Id)).ToList();
        var newestKept = fulls.Where(f => f.ConsistentAt is not null).Select(f => f.ConsistentAt!.Timestamp).DefaultIfEmpty().Max();

        foreach (var slice in slices)
        {
            if (window?.Needs(slice, chains.FullsNeeding(slice.Id)) is { } why)
                yield return Decide(slice, RetentionAction.Keep, why);
            else if (neededBy.TryGetValue(slice.Id, out var fullId))
                yield return Decide(slice, RetentionAction.Keep, $"needed by {RestoreChains.Describe(chains.WindowOf(fullId)!)}, which is kept");
            else if (fulls.Count == 0)
                yield return Decide(slice, RetentionAction.Keep, "no full snapshot of its source is kept, so retention leaves its oplog slices alone");
            else if (slice.OplogEnd is { } end && end > newestKept)
                yield return Decide(slice, RetentionAction.Keep, "it is newer than the newest kept full snapshot: the oplog capture continues from it");
            else
                yield return Decide(slice, RetentionAction.Remove, "no kept full snapshot's restore window needs it");
        }
    }

    private static RetentionDecision Decide(SnapshotManifest snapshot, RetentionAction action, string reason) =>
        new(snapshot.Id, snapshot.Kind, snapshot.StartTime, action, reason, snapshot);
}
