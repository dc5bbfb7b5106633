using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// The manifest each file of a snapshot is checked against. A replica-set or standalone snapshot's files are checked
/// against its own manifest. A cluster snapshot's shard files are checked against their shard's view
/// (<see cref="ShardSnapshotViews"/>: the shard's oplog range and entry count, its namespaces' documents and bytes), as
/// are admin's files saved from the config servers (<see cref="ShardSnapshotViews.ConfigServerAdmin"/>), and the config
/// server's metadata files (config.databases, collections, chunks, shards, tags) against the cluster manifest,
/// parsed as BSON but not counted as user data: no namespace of the manifest records them.
/// </summary>
internal static class FileCheckPlan
{
    /// <summary>One file to check: the manifest it is checked against, its entry there, and whether it is cluster metadata.</summary>
    public sealed record Item(SnapshotManifest Against, ManifestFile File, bool ClusterMetadata)
    {
        /// <summary>Its path in the snapshot, as the snapshot's own manifest lists it.</summary>
        public string Path => Against.StoredUnder + File.Path;
    }

    /// <summary>Every file of <paramref name="manifest"/>, in its order.</summary>
    public static IReadOnlyList<Item> Of(SnapshotManifest manifest)
    {
        if (manifest.Cluster is null) return manifest.Files.Select(f => new Item(manifest, f, false)).ToList();
        var inShards = new Dictionary<string, Item>(StringComparer.Ordinal);
        // admin's users, roles and own collections saved from the config servers are checked as a shard's are, against their counts.
        var admin = ShardSnapshotViews.ConfigServerAdmin(manifest);
        foreach (var view in ShardSnapshotViews.Of(manifest).Concat(admin is null ? [] : [admin]))
            foreach (var file in view.Files)
                inShards[view.StoredUnder + file.Path] = new Item(view, file, false);
        // A file under no shard's folder is the metadata folder's (ManifestChecks reports any other as a problem of the manifest).
        return manifest.Files.Select(f => inShards.GetValueOrDefault(f.Path) ?? new Item(manifest, f, true)).ToList();
    }
}
