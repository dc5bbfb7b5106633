using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>Why one snapshot must not go (the restore window its removal would break, or its damaged manifest), and the error id that says so.</summary>
public sealed record RemovalBlocker(string SnapshotId, string Reason, string ErrorId = HousekeepingErrorIds.SnapshotInUse);

/// <summary>
/// Decides whether removing a set of snapshots breaks a restore window that stays: a slice may not go while a full
/// snapshot that stays needs it, and a full snapshot may not go while slices of its window would stay behind
/// without any full snapshot to restore from.
/// </summary>
public static class RemovalGuard
{
    public static IReadOnlyList<RemovalBlocker> FindBlockers(IReadOnlyCollection<SnapshotManifest> snapshots, IReadOnlySet<string> removing)
    {
        var chains = new RestoreChains(snapshots);
        var complete = snapshots.Where(s => s.Status == SnapshotStatus.Complete).ToList();
        var keptFulls = complete.Where(s => s.Kind == SnapshotKind.Full && !removing.Contains(s.Id)).Select(s => s.Id).ToList();
        var neededByKept = keptFulls.SelectMany(chains.SlicesOf).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);

        var blockers = new List<RemovalBlocker>();
        foreach (var snapshot in complete.Where(s => removing.Contains(s.Id)))
        {
            if (snapshot.Kind == SnapshotKind.Oplog)
            {
                var keeper = chains.FullsNeeding(snapshot.Id).FirstOrDefault(id => !removing.Contains(id));
                if (keeper is not null)
                    blockers.Add(new RemovalBlocker(snapshot.Id,
                        $"oplog slice {snapshot.Id} is part of {RestoreChains.Describe(chains.WindowOf(keeper)!)}, which stays; removing it would cut that window short."));
                continue;
            }
            var orphans = chains.SlicesOf(snapshot.Id).Where(s => !removing.Contains(s.Id) && !neededByKept.Contains(s.Id)).ToList();
            if (orphans.Count > 0)
                blockers.Add(new RemovalBlocker(snapshot.Id,
                    $"full snapshot {snapshot.Id} is the base of {RestoreChains.Describe(chains.WindowOf(snapshot.Id)!)}; its oplog slices " +
                    $"{string.Join(", ", orphans.Select(s => s.Id))} would stay behind with no full snapshot to restore from. Remove them too."));
        }
        return blockers;
    }
}
