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
/// A replica set's chain is its own source's (<see cref="SnapshotSources"/>): its name and replicaSetId, so two sets initiated
/// under the same name (production and staging, both rs0) backed up into one repository each chain on their own full
/// snapshots and slices, never on the other's. A snapshot that recorded no id is in a set's chain as <see cref="ChainIn"/> says;
/// a new slice's key is judged against that same chain (<see cref="ChainOf"/>).
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
        var snapshots = ChainIn(await catalog.CompleteAsync(ct), topology);
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
            $"{repository.Location} holds no full snapshot of {Source(topology)} to continue from: run Backup-MongoDatabase first.{Others(await catalog.CompleteAsync(ct), topology)}",
            target: repository.Location);
    }

    /// <summary>
    /// What the refusal adds when the repository holds snapshots of another set of the same name: they are not this set's
    /// chain, so they are named (their source and newest snapshot) to tell the user why this set has no chain yet.
    /// </summary>
    private static string Others(IReadOnlyList<SnapshotManifest> snapshots, ServerTopology topology)
    {
        if (topology.Kind == TopologyKind.Sharded) return "";
        var chain = new HashSet<SnapshotManifest>(ChainIn(snapshots, topology), ReferenceEqualityComparer.Instance);
        var others = snapshots.Where(s => s.Cluster is null && s.Source.ReplicaSetName == topology.ReplicaSetName && !chain.Contains(s))
            .GroupBy(s => s.Source.ReplicaSetId ?? "", StringComparer.OrdinalIgnoreCase)
            .Select(g => g.MaxBy(s => s.StartTime)!)
            .Select(s => s.Source.ReplicaSetId is { } id ? $"snapshot {s.Id} of replicaSetId {id}" : $"snapshot {s.Id}, which recorded no replicaSetId but continues that set's chain").ToList();
        return others.Count == 0 ? "" :
            $" Its snapshots of replica set '{topology.ReplicaSetName}' are of another set of that name ({string.Join("; ", others)}), whose chain this set's slices never continue.";
    }

    /// <summary>
    /// <paramref name="topology"/>'s chain for the key checks of a new slice (<see cref="SourceChain"/>): the snapshots
    /// <see cref="ChainIn"/> takes, the same that decide where the slice starts, and the source in words.
    /// </summary>
    public static SourceChain ChainOf(ServerTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return new SourceChain(Source(topology), snapshots => ChainIn(snapshots, topology));
    }

    /// <summary>
    /// Which snapshots can be of <paramref name="topology"/>'s chain: the cluster's; or its replica set's, by name and, where
    /// both the snapshot and the set have one, replicaSetId (as <see cref="SnapshotSources.Same"/> judges two snapshots).
    /// </summary>
    private static Func<SnapshotManifest, bool> CandidateOf(ServerTopology topology)
    {
        var sharded = topology.Kind == TopologyKind.Sharded;
        return s => s.Source.ReplicaSetName == topology.ReplicaSetName && (s.Cluster is not null) == sharded
            && (sharded || SnapshotSources.Compatible(s.Source.ReplicaSetId, topology.ReplicaSetId));
    }

    /// <summary>
    /// The snapshots of <paramref name="topology"/>'s chain among <paramref name="snapshots"/>: those of its name and kind
    /// whose recorded id, if any, is the set's, less the id-less ones that are not this set's. Where the set's replicaSetId is known and snapshots of its name
    /// recorded ids, an id-less snapshot is this set's when the chain links join it to this set's snapshots
    /// (<see cref="SnapshotSources.Group"/>); one the links join to another id is that set's. Id-less snapshots joined to
    /// no id count only while the repository holds nothing of this set's own (a repository upgraded in place: the first
    /// slice that records the id continues the old chain, checked against the oplog by <see cref="ChainContinuity"/>).
    /// </summary>
    public static List<SnapshotManifest> ChainIn(IReadOnlyList<SnapshotManifest> snapshots, ServerTopology topology)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(topology);
        var candidates = snapshots.Where(CandidateOf(topology)).ToList();
        if (topology.Kind == TopologyKind.Sharded || topology.ReplicaSetId is not { } id) return candidates;
        var groups = SnapshotSources.Group(snapshots.Where(s => s.Cluster is null && s.Source.ReplicaSetName == topology.ReplicaSetName));
        var own = groups.FirstOrDefault(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));
        var taken = own is not null ? own.Snapshots : groups.Where(g => g.Id is null).SelectMany(g => g.Snapshots);
        var set = new HashSet<SnapshotManifest>(taken, ReferenceEqualityComparer.Instance);
        return candidates.Where(set.Contains).ToList();
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
        topology.Kind == TopologyKind.Sharded ? "the sharded cluster"
        : topology.ReplicaSetId is { } id ? $"replica set '{topology.ReplicaSetName}' (replicaSetId {id})" : $"replica set '{topology.ReplicaSetName}'";

    private static OplogTimestamp PointOf(SnapshotManifest full) => full.ConsistentAt!.Timestamp;
}
