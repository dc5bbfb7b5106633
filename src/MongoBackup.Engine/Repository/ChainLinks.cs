namespace MongoBackup.Engine.Repository;

/// <summary>
/// The chain links between snapshots of one name: a slice's <see cref="SnapshotManifest.PreviousSliceEnd"/> links it to
/// each snapshot that ends there (a slice's <see cref="SnapshotManifest.OplogEnd"/>, a full snapshot's consistency
/// point). Linked snapshots form sets (followed both ways); a set whose snapshots recorded exactly one source id
/// (<see cref="SnapshotSources.IdOf"/>) claims its id-less members for that id (<see cref="SnapshotSources.Group"/>).
/// </summary>
public sealed class ChainLinks
{
    private readonly Dictionary<SnapshotManifest, SnapshotManifest> _parent = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<SnapshotManifest, string?> _claimOfRoot = new(ReferenceEqualityComparer.Instance);

    private ChainLinks() { }

    /// <summary>Works out the linked sets of <paramref name="snapshots"/> (snapshots of one name) and what each claims.</summary>
    public static ChainLinks Claims(IReadOnlyList<SnapshotManifest> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var links = new ChainLinks();
        foreach (var s in snapshots) links._parent[s] = s;
        var endingAt = snapshots.Where(s => EndOf(s) is not null).ToLookup(s => EndOf(s)!.Value);
        foreach (var slice in snapshots.Where(s => s.Kind == SnapshotKind.Oplog && s.PreviousSliceEnd is not null))
            foreach (var before in endingAt[slice.PreviousSliceEnd!.Value].Where(b => !ReferenceEquals(b, slice)))
                links.Union(slice, before);
        foreach (var set in snapshots.GroupBy(links.Root, ReferenceEqualityComparer.Instance))
        {
            var ids = set.Select(SnapshotSources.IdOf).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            // Two ids in one linked set (timestamps that met by chance): its id-less members are claimed by neither.
            links._claimOfRoot[(SnapshotManifest)set.Key!] = ids.Count == 1 ? ids[0] : null;
        }
        return links;
    }

    /// <summary>The source id the snapshot's linked set recorded; null when it recorded none (or two).</summary>
    public string? Claimed(SnapshotManifest snapshot) => _claimOfRoot.GetValueOrDefault(Root(snapshot));

    /// <summary>A representative of the snapshot's linked set: two snapshots are linked when they have the same one.</summary>
    public SnapshotManifest LinkedSetOf(SnapshotManifest snapshot) => Root(snapshot);

    private static OplogTimestamp? EndOf(SnapshotManifest s) => s.Kind == SnapshotKind.Oplog ? s.OplogEnd : s.ConsistentAt?.Timestamp;

    private SnapshotManifest Root(SnapshotManifest s)
    {
        while (!ReferenceEquals(_parent[s], s)) s = _parent[s] = _parent[_parent[s]];
        return s;
    }

    private void Union(SnapshotManifest a, SnapshotManifest b)
    {
        var (ra, rb) = (Root(a), Root(b));
        if (!ReferenceEquals(ra, rb)) _parent[ra] = rb;
    }
}
