using MongoBackup.Engine.Cluster;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a restore of a cluster snapshot says when it cannot give the cluster at its one time T: restored without its
/// oplog (each shard's data as it was copied, at no one time), or one shard's folder restored as a dump on its own.
/// </summary>
internal static class ClusterRestoreWarnings
{
    /// <summary>The warning for a cluster snapshot restored with -NoOplogReplay; null for any other restore.</summary>
    public static string? WithoutReplay(SnapshotManifest manifest, RestoreRequest request) =>
        manifest.Cluster is not { } cluster || !request.NoOplogReplay || request.IsScratchCheck ? null
            : $"Snapshot {manifest.Id} is of a sharded cluster ({cluster.Shards.Count} shards) and -NoOplogReplay leaves out its shards' oplogs: " +
              "each shard's data is restored as it was copied, not at one cluster time, so writes made during the backup may be there on one " +
              "shard and missing on another, and a cross-shard transaction can be partial. Restore without -NoOplogReplay to get the cluster " +
              $"as it was at {cluster.ClusterTime.Timestamp}.";

    /// <summary>
    /// The warning for a point-in-time restore of a cluster into a sharded cluster to a moment after its base snapshot
    /// (<paramref name="slices"/> &gt; 0): zones and zone ranges are the base snapshot's. They live on the config servers
    /// (config.shards tags, config.tags), whose oplog Backup-MongoOplog does not capture (it saves each shard's), so a
    /// zone change made after the base snapshot is in no slice. Null for a moment within the base snapshot.
    /// </summary>
    public static string? ZonesAsOfBase(SnapshotManifest baseSnapshot, int slices) =>
        baseSnapshot.Cluster is not { } cluster || slices == 0 ? null
            : $"Zones and zone ranges are restored as base snapshot {baseSnapshot.Id} records them, at its cluster time {cluster.ClusterTime.Timestamp}: " +
              "changes made to them after it (addShardToZone, removeShardFromZone, updateZoneKeyRange) are kept on the config servers, whose oplog " +
              "the oplog slices do not hold, and are not restored. Compare the target's zones (listShards, config.tags) with the source's at the moment and redo those changes.";

    /// <summary>
    /// The warning for a point-in-time restore of a cluster window whose base snapshot holds admin collections of its own
    /// (<see cref="ClusterSection.AdminCollections"/>) that <paramref name="filter"/> takes: they are restored as that
    /// snapshot read them from the config servers, after its cut, whatever the moment. admin lives on the config servers,
    /// whose oplog neither a cluster backup nor Backup-MongoOplog saves (each shard's is saved), so no slice holds a
    /// change to them and the moment reached is the shards' data's only. Null when there are none.
    /// </summary>
    public static string? AdminAsRead(SnapshotManifest baseSnapshot, NamespaceFilter filter)
    {
        if (baseSnapshot.Cluster is not { } cluster) return null;
        var taken = cluster.AdminCollections.Where(n => filter.Includes(n.Database, n.Collection)).Select(n => n.FullName).ToList();
        return taken.Count == 0 ? null
            : $"{string.Join(", ", taken)} {(taken.Count == 1 ? "is" : "are")} restored as base snapshot {baseSnapshot.Id} read {(taken.Count == 1 ? "it" : "them")} " +
              $"from the config servers, just after its cut {cluster.ClusterTime.Timestamp}, not at the moment restored to: a cluster's admin collections " +
              "live on its config servers, whose oplog neither the backup nor Backup-MongoOplog saves, so their changes after that read are in no " +
              "slice. Compare them with the source's at the moment and redo those changes.";
    }

    /// <summary>
    /// The warning for a restore of <paramref name="path"/> as a mongodump folder when it is one shard's folder of a
    /// cluster snapshot (its parent holds a cluster manifest naming it, or a sibling metadata folder); null otherwise.
    /// </summary>
    public static string? OneShard(string path)
    {
        if (!Directory.Exists(path)) return null;
        var folder = new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        if (folder.Parent is not { } snapshot || folder.Name == ClusterBackupRunner.MetadataFolder) return null;
        var manifestPath = Path.Combine(snapshot.FullName, SnapshotManifest.FileName);
        var hasMetadata = Directory.Exists(Path.Combine(snapshot.FullName, ClusterBackupRunner.MetadataFolder));
        string? of = null;
        if (File.Exists(manifestPath))
        {
            try
            {
                var manifest = SnapshotManifest.Deserialize(File.ReadAllText(manifestPath), manifestPath);
                if (manifest.Cluster?.Shards.FirstOrDefault(s => s.Folder == folder.Name) is null) return null;
                of = $"cluster snapshot {manifest.Id} ({manifest.Cluster.Shards.Count} shards, in '{snapshot.FullName}')";
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // An unreadable manifest: the metadata folder beside it still says what this is.
            }
        }
        if (of is null && !hasMetadata) return null;
        of ??= $"the cluster snapshot in '{snapshot.FullName}'";
        return $"'{folder.FullName}' is one shard ({folder.Name}) of {of}: only that shard's part of each collection is restored, and " +
               "its cross-shard transactions only as far as that shard saw them. To restore the whole cluster at its one time, restore " +
               $"the snapshot itself: Restore-MongoDatabase -Path '{snapshot.FullName}'.";
    }
}
