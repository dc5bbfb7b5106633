using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Where the next oplog slice of a source starts: the newest slice's end; with no slice yet, the consistency point
/// of the oldest full snapshot of the chain that no later one contains (so that a partial full taken after a
/// whole one does not cut the whole one's window off: the slice serves both). Copy-only snapshots are outside the
/// chain. When the chain the slice continues is broken behind it and no full snapshot was taken after the break,
/// a warning names the break: the slice extends a chain no restore can reach until a new full backup is taken.
/// A sharded cluster's chain is its cluster snapshots' (full and slices, each ending at its cut); a repository holds one cluster's.
/// </summary>
public static class SliceChainEnd
{
    /// <summary>
    /// Where the next slice starts, listing <paramref name="repository"/> once.
    /// </summary>
    /// <exception cref="MongoBackupException">NoBaseSnapshot: no full snapshot of this replica set to continue from.</exception>
    public static Task<OplogTimestamp> FindAsync(ISnapshotRepository repository, ServerTopology topology, IEngineObserver observer, CancellationToken ct) =>
        FindAsync(new SnapshotCatalog(repository), topology, observer, ct);

    /// <summary>Where the next slice starts, judged from the command's <paramref name="catalog"/>.</summary>
    /// <exception cref="MongoBackupException">NoBaseSnapshot: no full snapshot of this replica set to continue from.</exception>
    public static async Task<OplogTimestamp> FindAsync(SnapshotCatalog catalog, ServerTopology topology, IEngineObserver observer, CancellationToken ct)
    {
        var repository = catalog.Repository;
        var snapshots = (await catalog.CompleteAsync(ct)).Where(ChainOf(topology)).ToList();
        var slices = snapshots.Where(s => s.Kind == SnapshotKind.Oplog && s.OplogEnd is not null).ToList();
        if (slices.Count > 0)
        {
            var end = slices.Max(s => s.OplogEnd!.Value);
            var bases = RestoreWindows.Bases(snapshots).ToList();
            WarnWhenUnreachable(OplogChain.Build(slices, bases), bases, end, topology, repository, observer);
            return end;
        }
        if (RestoreWindows.OpenBases(snapshots).Select(PointOf).DefaultIfEmpty().Min() is var start && start != default) return start;
        throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
            $"{repository.Location} holds no full snapshot of {Source(topology)} to continue from: run Backup-MongoDatabase first.",
            target: repository.Location);
    }

    /// <summary>Which snapshots are of <paramref name="topology"/>'s chain: its replica set's, or the cluster's.</summary>
    public static Func<SnapshotManifest, bool> ChainOf(ServerTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return s => s.Source.ReplicaSetName == topology.ReplicaSetName && (s.Cluster is not null) == (topology.Kind == TopologyKind.Sharded);
    }

    private static void WarnWhenUnreachable(OplogChain chain, List<SnapshotManifest> bases, OplogTimestamp end, ServerTopology topology,
        ISnapshotRepository repository, IEngineObserver observer)
    {
        var last = chain.Segments.FirstOrDefault(s => s.End == end);
        if (last is null || bases.Any(f => last.Covers(PointOf(f)))) return;
        var behind = chain.Breaks.LastOrDefault(b => last.Slices.Contains(b.ContinuedBy));
        if (behind is null) return;
        observer.Warning(
            $"The oplog slice chain of {Source(topology)} in {repository.Location} is broken: {behind}. This slice continues it from {end}, " +
            "but no full snapshot was taken after the break, so no point-in-time restore can reach these slices: take a new full backup (Backup-MongoDatabase).");
    }

    private static string Source(ServerTopology topology) =>
        topology.Kind == TopologyKind.Sharded ? "the sharded cluster" : $"replica set '{topology.ReplicaSetName}'";

    private static OplogTimestamp PointOf(SnapshotManifest full) => full.ConsistentAt!.Timestamp;
}
