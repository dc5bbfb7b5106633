namespace MongoBackup.Engine.Repository;

/// <summary>
/// Which source a point-in-time restore restores (<see cref="SnapshotSources"/>: a replica set's name and replicaSetId, a
/// cluster's clusterId) when a repository holds several: the one named by its recorded id (-SourceId), or else the one
/// whose windows reach the moment. When windows of two sources (production and staging, both rs0) reach it, which one
/// was meant cannot be told from the moment: the restore is refused, listing them, rather than one picked silently.
/// </summary>
public static class RestoreSourceChoice
{
    /// <summary>
    /// The snapshots of the source <paramref name="sourceId"/> names (its <see cref="SourceGroup.SourceId"/>: a recorded id,
    /// with the snapshots of its name that recorded none and that the chain links join to it; or the id made for a source
    /// that recorded none), as <see cref="SnapshotSources.Group"/> takes them; all of them when it is null.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument: no source has that id; the message lists the ids there are,
    /// or for an id made of a snapshot id that is no longer the source's oldest, the id its source has now (<see cref="SnapshotSources.MovedDerivedId"/>).</exception>
    public static List<SnapshotManifest> Of(List<SnapshotManifest> snapshots, string? sourceId, string repository)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        if (sourceId is null) return snapshots;
        var groups = SnapshotSources.Group(snapshots);
        var named = groups.Where(g => string.Equals(g.SourceId, sourceId, StringComparison.OrdinalIgnoreCase)).ToList();
        if (named.Count > 0) return snapshots.Where(s => named.Any(g => g.Snapshots.Contains(s))).ToList();
        if (SnapshotSources.MovedDerivedId(sourceId, groups, repository) is { } moved) throw moved;
        var known = groups.Where(g => g.SourceId is not null).Select(g => $"{g.SourceId} ({g.Describe()})").ToList();
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"-SourceId {sourceId}: no snapshot in {repository} was taken from a source of that id. " +
            (known.Count == 0 ? "It holds no complete snapshot." : $"The source ids there are: {string.Join("; ", known)}."),
            target: sourceId);
    }

    /// <summary>
    /// The window to restore through, of <paramref name="found"/> (one per source whose windows reach the moment, each of
    /// its own base snapshot): the only one.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument: windows of two or more sources reach the moment; the message lists them and how to choose.</exception>
    public static RestoreWindow One(IReadOnlyList<RestoreWindow> found, OplogLimit limit, string repository)
    {
        ArgumentNullException.ThrowIfNull(found);
        ArgumentNullException.ThrowIfNull(limit);
        if (found.Count == 1) return found[0];
        var listed = found.Select(w =>
            $"{SnapshotSources.Describe(w.BaseSnapshot)}, SourceId {w.SourceId}{(w.SourceId is { } id && SnapshotSources.IsDerived(id) ? " (recorded no source id)" : "")}: " +
            $"base snapshot {w.BaseSnapshot.Id}, window {w.Describe(limit)}");
        var example = found.Select(w => w.SourceId).OfType<string>().FirstOrDefault();
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"{limit} is in restore windows of {found.Count} sources in {repository}: {string.Join("; ", listed)}. Nothing was restored: " +
            "which source to restore cannot be told from the moment. Name it with -SourceId (the SourceId Get-MongoRestoreWindow and Get-MongoSnapshot list)" +
            (example is null ? "." : $", e.g. -SourceId {example}."),
            target: repository);
    }
}
