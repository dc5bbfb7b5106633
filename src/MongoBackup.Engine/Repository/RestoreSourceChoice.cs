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
    /// The snapshots of the source <paramref name="sourceId"/> names (with those of its name that recorded no id and that
    /// the chain links join to it, as <see cref="SnapshotSources.Group"/> takes them); all of them when it is null.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument: no snapshot recorded that id; the message lists the ids there are.</exception>
    public static List<SnapshotManifest> Of(List<SnapshotManifest> snapshots, string? sourceId, string repository)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        if (sourceId is null) return snapshots;
        var groups = SnapshotSources.Group(snapshots);
        var named = groups.Where(g => string.Equals(g.Id, sourceId, StringComparison.OrdinalIgnoreCase)).ToList();
        if (named.Count > 0) return snapshots.Where(s => named.Any(g => g.Snapshots.Contains(s))).ToList();
        var known = groups.Where(g => g.Id is not null).Select(g => $"{g.Id} ({Describe(g)})").ToList();
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"-SourceId {sourceId}: no snapshot in {repository} was taken from a source of that id. " +
            (known.Count == 0 ? "Its snapshots recorded no source id; leave -SourceId out." : $"The source ids recorded there are: {string.Join("; ", known)}."),
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
            $"{SnapshotSources.Describe(w.BaseSnapshot)}{(w.SourceId is null ? ", which recorded no source id" : $", SourceId {w.SourceId}")}: " +
            $"base snapshot {w.BaseSnapshot.Id}, window {w.Describe(limit)}");
        var example = found.Select(w => w.SourceId).OfType<string>().FirstOrDefault();
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"{limit} is in restore windows of {found.Count} sources in {repository}: {string.Join("; ", listed)}. Nothing was restored: " +
            "which source to restore cannot be told from the moment. Name it with -SourceId (the SourceId Get-MongoRestoreWindow and Get-MongoSnapshot list)" +
            (example is null ? "." : $", e.g. -SourceId {example}."),
            target: repository);
    }

    private static string Describe(SourceGroup group) =>
        group.Snapshots.FirstOrDefault(s => SnapshotSources.IdOf(s) is not null) is { } recorded ? SnapshotSources.Describe(recorded) : "unknown";
}
