namespace MongoBackup.Engine.Repository;

/// <summary>
/// Which deployment a snapshot was taken from, as far as its manifest tells: a replica set's name and, when recorded, its
/// replicaSetId (replSetGetConfig's settings.replicaSetId, an ObjectId chosen at replSetInitiate: MongoDB's
/// src/mongo/db/repl/repl_set_config.cpp); a sharded cluster's config.version clusterId (<see cref="Model.ClusterSection.ClusterId"/>);
/// a standalone's nothing but its kind. Two sets initiated under the same name (production and staging both rs0) have
/// different ids, and an oplog only ever continues the data of its own set, so restore windows, a restore's base and its
/// slices, and retention take snapshots of one identity together, never of two.
/// <para>
/// A snapshot without a recorded id (written before ids were recorded, or by a user who may not run replSetGetConfig or
/// read config.version) is placed by the chain links slices record: a slice's PreviousSliceEnd names the end (a slice's
/// last entry, a full snapshot's consistency point) it continues, checked against its own oplog when it was taken
/// (<c>Oplog.ChainContinuity</c>). Snapshots joined by such links are of one source, so an id-less snapshot linked to
/// snapshots that recorded one id is of that id's source (a repository upgraded in place keeps its old full snapshot as
/// the base of the window its new slices continue). An id-less snapshot linked to no recorded id is, under a name where
/// ids were recorded, a source of its own (its linked snapshots together): timestamps of two sets say nothing about
/// continuity, so it never joins another set's window by its times. Under a name where no id was ever recorded, all its
/// snapshots are one source, as before ids were recorded.
/// </para>
/// <para>
/// Every source has a SourceId a user can name it by (<see cref="SourceGroup.SourceId"/>): its recorded id; for a source
/// that recorded none, one made of its replica set's name and its oldest snapshot's id (<see cref="DerivedId"/>), e.g.
/// "rs0:20261124T221500Z-full-3f9a", so that -SourceId, the list views and retention can name an id-less source too.
/// </para>
/// </summary>
public static class SnapshotSources
{
    /// <summary>The recorded identity of the snapshot's source: a cluster's clusterId, a replica set's replicaSetId; null when none was recorded.</summary>
    public static string? IdOf(SnapshotManifest snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Cluster is { } cluster ? cluster.ClusterId : snapshot.Source.ReplicaSetId;
    }

    /// <summary>
    /// Whether two snapshots can come from the same deployment: both of a cluster or both not, the same replica set name,
    /// and the same recorded id where both recorded one (ids compared as ObjectId hex, case-insensitively).
    /// </summary>
    public static bool Same(SnapshotManifest a, SnapshotManifest b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return SameName(a, b) && Compatible(IdOf(a), IdOf(b));
    }

    /// <summary>
    /// <paramref name="snapshots"/> taken apart by source, each group in the order given: per name (and cluster or not),
    /// one group for each recorded id, with the id-less snapshots the chain links join to it (see the class's remarks);
    /// one group for each set of linked id-less snapshots joined to no recorded id; one group for a name under which no
    /// id was recorded. Each snapshot is in exactly one group.
    /// </summary>
    public static IReadOnlyList<SourceGroup> Group(IEnumerable<SnapshotManifest> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var groups = new List<SourceGroup>();
        foreach (var named in snapshots.GroupBy(s => (Cluster: s.Cluster is not null, s.Source.ReplicaSetName)))
        {
            var list = named.ToList();
            var ids = list.Select(IdOf).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (ids.Count == 0)
            {
                groups.Add(new SourceGroup(named.Key.ReplicaSetName, null, list, ids: false));
                continue;
            }
            var claims = ChainLinks.Claims(list);
            foreach (var id in ids)
                groups.Add(new SourceGroup(named.Key.ReplicaSetName, id,
                    list.Where(s => string.Equals(IdOf(s) ?? claims.Claimed(s), id, StringComparison.OrdinalIgnoreCase)).ToList()));
            foreach (var unclaimed in list.Where(s => IdOf(s) is null && claims.Claimed(s) is null).GroupBy(claims.LinkedSetOf, ReferenceEqualityComparer.Instance))
                groups.Add(new SourceGroup(named.Key.ReplicaSetName, null, unclaimed.ToList(), ids: true));
        }
        return groups;
    }

    /// <summary>
    /// The SourceId of each snapshot among <paramref name="snapshots"/> (by snapshot id): its group's
    /// <see cref="SourceGroup.SourceId"/>, its source's recorded id or the one made for a source that recorded none.
    /// Complete snapshots are grouped; any other is given its own recorded id, or none.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SourceIdsOf(IEnumerable<SnapshotManifest> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var list = snapshots.ToList();
        var byId = list.ToDictionary(s => s.Id, IdOf, StringComparer.Ordinal);
        foreach (var group in Group(list.Where(s => s.Status == SnapshotStatus.Complete)))
            foreach (var snapshot in group.Snapshots) byId[snapshot.Id] = group.SourceId;
        return byId;
    }

    /// <summary>
    /// The SourceId of a source that recorded no id: its replica set's name ("cluster" for a cluster, "standalone" for a
    /// standalone server), a colon and the id of its oldest snapshot. It names the source as long as that snapshot is in
    /// the repository; once retention or Remove-MongoSnapshot removes it, the next oldest names it, and the old id is
    /// refused naming the new one (<see cref="MovedDerivedId"/>).
    /// </summary>
    public static string DerivedId(IReadOnlyList<SnapshotManifest> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var oldest = snapshots.OrderBy(s => s.StartTime).ThenBy(s => s.Id, StringComparer.Ordinal).First();
        var name = oldest.Cluster is not null ? "cluster" : oldest.Source.ReplicaSetName ?? "standalone";
        return $"{name}:{oldest.Id}";
    }

    /// <summary>
    /// The error for a -SourceId that no source in <paramref name="groups"/> has but that was made for a source that
    /// recorded no id (<see cref="DerivedId"/>: "name:oldest snapshot id"): that id moves when its oldest snapshot is
    /// removed (retention, Remove-MongoSnapshot), or when an older one is joined to its source. A moved id is not taken
    /// as the source's: nothing in the repository proves that the source now left under that name is the one the old id
    /// named (its snapshots may all be another set's of the same name, taken later). The error names the SourceId the
    /// source holding that snapshot now has, or, the snapshot gone, those of the sources of that name that recorded no
    /// id, for a script to be changed to. Null for a recorded id (ObjectId hex), or one some group has.
    /// </summary>
    public static MongoBackupException? MovedDerivedId(string sourceId, IReadOnlyList<SourceGroup> groups, string repository)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        ArgumentNullException.ThrowIfNull(groups);
        if (!IsDerived(sourceId) || groups.Any(g => string.Equals(g.SourceId, sourceId, StringComparison.OrdinalIgnoreCase))) return null;
        var colon = sourceId.LastIndexOf(':');
        var (name, snapshotId) = (sourceId[..colon], sourceId[(colon + 1)..]);
        var holding = groups.FirstOrDefault(g => g.Snapshots.Any(s => string.Equals(s.Id, snapshotId, StringComparison.OrdinalIgnoreCase)));
        var sameName = groups.Where(g => g.Id is null && g.SourceId is { } id && string.Equals(id[..id.LastIndexOf(':')], name, StringComparison.Ordinal)).ToList();
        string now;
        if (holding is not null)
            now = $"snapshot {snapshotId} is still there, but an older one of its source now names it: that source is SourceId {holding.SourceId} ({holding.Describe()})";
        else if (sameName.Count == 0)
            now = $"snapshot {snapshotId} is no longer there (removed by retention or Remove-MongoSnapshot), and no source of that name without a recorded id is left";
        else
            now = $"snapshot {snapshotId} is no longer there (removed by retention or Remove-MongoSnapshot), so the id moved to the source's oldest snapshot left; " +
                  $"{(sameName.Count == 1 ? "the source of that name that recorded no id is now" : "the sources of that name that recorded no id are now")} " +
                  string.Join("; ", sameName.Select(g => $"SourceId {g.SourceId} ({g.Describe()}, newest snapshot {g.Snapshots.MaxBy(s => s.StartTime)!.Id})"));
        return new MongoBackupException(ErrorIds.InvalidArgument,
            $"-SourceId {sourceId} names a source that recorded no id by its oldest snapshot in {repository}, and {now}. " +
            "Such a SourceId names its source only while that snapshot is its oldest: check that the source listed is the one meant " +
            "(Get-MongoSnapshot, Get-MongoRestoreWindow list each snapshot's SourceId) and use its current SourceId. " +
            $"The source ids there are: {string.Join("; ", groups.Where(g => g.SourceId is not null).Select(g => $"{g.SourceId} ({g.Describe()})"))}.",
            target: sourceId);
    }

    /// <summary>Whether <paramref name="sourceId"/> was made for a source that recorded no id (<see cref="DerivedId"/>); recorded ids are ObjectId hex.</summary>
    public static bool IsDerived(string sourceId)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        return sourceId.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>The source in words for messages: "replica set 'rs0' (replicaSetId …)", "the sharded cluster (clusterId …)".</summary>
    public static string Describe(SnapshotManifest snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Describe(snapshot.Cluster is not null, snapshot.Source.ReplicaSetName, IdOf(snapshot));
    }

    /// <summary>A source in words, from its kind, replica set name (null for a standalone) and recorded id (null when none): see <see cref="Describe(SnapshotManifest)"/>.</summary>
    internal static string Describe(bool isCluster, string? replicaSetName, string? id)
    {
        if (isCluster) return id is null ? "the sharded cluster" : $"the sharded cluster of clusterId {id}";
        if (replicaSetName is not { } name) return "the standalone server";
        return id is null ? $"replica set '{name}'" : $"replica set '{name}' (replicaSetId {id})";
    }

    private static bool SameName(SnapshotManifest a, SnapshotManifest b) =>
        (a.Cluster is null) == (b.Cluster is null) && string.Equals(a.Source.ReplicaSetName, b.Source.ReplicaSetName, StringComparison.Ordinal);

    /// <summary>
    /// Whether two recorded ids (replicaSetId or clusterId, ObjectId hex) can be of one source: equal, compared
    /// case-insensitively, or either unknown (null).
    /// </summary>
    internal static bool Compatible(string? a, string? b) => a is null || b is null || string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The snapshots of one source (<see cref="SnapshotSources.Group"/>): its replica set name (null for a standalone or a cluster) and recorded id, if any.</summary>
public sealed record SourceGroup(string? ReplicaSetName, string? Id, IReadOnlyList<SnapshotManifest> Snapshots)
{
    /// <summary>A group of the snapshots of one source; <paramref name="ids"/>: whether other snapshots of its name recorded an id.</summary>
    public SourceGroup(string? replicaSetName, string? id, IReadOnlyList<SnapshotManifest> snapshots, bool ids) : this(replicaSetName, id, snapshots) =>
        BesideRecordedIds = id is null && ids;

    /// <summary>
    /// The id a user names the source by (-SourceId, the list views): <see cref="Id"/>, or for a source that recorded
    /// none, <see cref="SnapshotSources.DerivedId"/>; null only for a group of no snapshots.
    /// </summary>
    public string? SourceId => Id ?? (Snapshots.Count == 0 ? null : SnapshotSources.DerivedId(Snapshots));

    /// <summary>
    /// Whether this source recorded no id while other snapshots of its name did, and no chain link ties it to one of them:
    /// it may be another set's of that name from before ids were recorded, so it is a source of its own.
    /// </summary>
    public bool BesideRecordedIds { get; init; }

    /// <summary>The source in words, with its SourceId: "replica set 'rs0' (replicaSetId …)", "replica set 'rs0', SourceId rs0:… (recorded no replicaSetId)".</summary>
    public string Describe()
    {
        var isCluster = Snapshots.Count > 0 && Snapshots[0].Cluster is not null;
        if (Id is not null) return SnapshotSources.Describe(isCluster, ReplicaSetName, Id);
        var what = isCluster ? "clusterId" : ReplicaSetName is null ? "source id" : "replicaSetId";
        return $"{SnapshotSources.Describe(isCluster, ReplicaSetName, null)}, SourceId {SourceId} (recorded no {what})";
    }
}
