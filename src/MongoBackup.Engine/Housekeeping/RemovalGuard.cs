using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>Why one snapshot must not go (the restore window its removal would break, or its damaged manifest), and the error id that says so.</summary>
public sealed record RemovalBlocker(string SnapshotId, string Reason, string ErrorId = ErrorIds.SnapshotInUse);

/// <summary>
/// Decides whether removing a set of snapshots breaks a restore window that stays: a slice may not go while a full
/// snapshot that stays needs it, and a full snapshot may not go while slices of its window would stay behind without
/// any full snapshot covering its scope to restore from (a full of some databases does not take the place of one of
/// all of them). Copy-only snapshots are the base of no window: they can always go.
/// </summary>
public static class RemovalGuard
{
    /// <summary>
    /// What stands in the way of removing <paramref name="removing"/> (snapshot ids) from <paramref name="snapshots"/> (the
    /// repository's complete snapshots): one blocker per snapshot that must stay, with its reason; empty when all may go.
    /// </summary>
    public static IReadOnlyList<RemovalBlocker> FindBlockers(IReadOnlyCollection<SnapshotManifest> snapshots, IReadOnlySet<string> removing)
    {
        var chains = new RestoreChains(snapshots);
        var complete = snapshots.Where(s => s.Status == SnapshotStatus.Complete).ToList();
        var keptFulls = complete.Where(s => s.IsChainFull && !removing.Contains(s.Id)).ToList();

        var blockers = new List<RemovalBlocker>();
        foreach (var snapshot in complete.Where(s => removing.Contains(s.Id)))
        {
            if (snapshot.Kind == SnapshotKind.Oplog)
            {
                var keeper = chains.FullsNeeding(snapshot.Id).FirstOrDefault(id => !removing.Contains(id));
                if (keeper is not null)
                    blockers.Add(new RemovalBlocker(snapshot.Id,
                        $"oplog slice {snapshot.Id} is part of {RestoreChains.Describe(chains.WindowOf(keeper)!)}, which stays; removing it would cut that window short: leave it out, or remove {keeper} and its slices with it."));
                continue;
            }
            var scope = snapshot.EffectiveScope;
            var covering = keptFulls.Where(k => ScopeCoverage.Contains(k.EffectiveScope, scope)).ToList();
            var served = covering.SelectMany(k => chains.SlicesOf(k.Id)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var orphans = chains.SlicesOf(snapshot.Id).Where(s => !removing.Contains(s.Id) && !served.Contains(s.Id)).ToList();
            if (orphans.Count == 0) continue;
            var others = keptFulls.Except(covering).Where(k => chains.SlicesOf(k.Id).Any(orphans.Contains)).ToList();
            var window = RestoreChains.Describe(chains.WindowOf(snapshot.Id)!);
            blockers.Add(new RemovalBlocker(snapshot.Id, others.Count == 0
                ? $"full snapshot {snapshot.Id} is the base of {window}; its oplog slices {Ids(orphans)} would stay behind with no full snapshot to restore from: remove them with it, or leave it out."
                : $"full snapshot {snapshot.Id} is the only base covering {scope} of {window}: its oplog slices {Ids(orphans)} stay for " +
                  $"{string.Join(", ", others.Select(o => $"{o.Id} ({o.EffectiveScope})"))}, which cover less, so no point-in-time restore of {scope} would be left: leave it out."));
        }
        return blockers;
    }

    private static string Ids(IEnumerable<SnapshotManifest> snapshots) => string.Join(", ", snapshots.Select(s => s.Id));
}
