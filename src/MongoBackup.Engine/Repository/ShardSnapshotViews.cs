using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A cluster snapshot (<see cref="SnapshotManifest.Cluster"/>) read shard by shard: each shard's folder is a replica-set
/// snapshot of its own, and its view is the manifest such a snapshot would have (its files with paths relative to its
/// folder, its namespaces, oplog range and consistency point), read from the same repository and id through
/// <see cref="SnapshotManifest.StoredUnder"/>. Every check and reader of a replica-set snapshot then applies to a shard.
/// </summary>
public static class ShardSnapshotViews
{
    /// <summary>The view of every shard, in the manifest's order.</summary>
    public static IReadOnlyList<SnapshotManifest> Of(SnapshotManifest cluster) =>
        cluster.Cluster is { } section ? section.Shards.Select(s => Of(cluster, s)).ToList() : [];

    /// <summary>
    /// The cluster's admin as the snapshot saved it from the config servers: its users and roles
    /// (<see cref="ClusterSection.UsersAndRoles"/>) and its own collections (<see cref="ClusterSection.AdminCollections"/>),
    /// the admin files of the metadata folder, as a snapshot of their own without an oplog; null when it holds neither.
    /// </summary>
    public static SnapshotManifest? ConfigServerAdmin(SnapshotManifest cluster)
    {
        if (cluster.Cluster is not { } section || section.UsersAndRoles.Count + section.AdminCollections.Count == 0) return null;
        var namespaces = section.UsersAndRoles.Concat(section.AdminCollections).ToList();
        var metadata = new ShardSection { Name = section.MetadataFolder, Folder = section.MetadataFolder, Namespaces = namespaces };
        var view = Of(cluster, metadata);
        var admin = view.Files.Where(f => EncryptedLayout.PlainOf(f.Path).StartsWith("admin/", StringComparison.Ordinal)).ToList();
        view.Files = ManifestBinding.Bind(admin, namespaces, cluster.Compression);
        view.PointInTimeConsistent = false; // read after the cut, with no oplog of their own
        return view;
    }

    /// <summary>
    /// The snapshot's namespaces with their documents and bytes: its own list, or for a cluster snapshot each namespace
    /// once, its parts on every shard summed (a sharded collection's documents are spread over the shards), and admin's
    /// own collections saved from the config servers, by name.
    /// </summary>
    public static IReadOnlyList<ManifestNamespace> NamespacesOf(SnapshotManifest manifest) => manifest.Cluster is not { } section
        ? manifest.Namespaces
        : section.Shards.SelectMany(s => s.Namespaces).Concat(section.AdminCollections).GroupBy(n => n.FullName, StringComparer.Ordinal)
            .Select(g => g.First() with { Documents = g.Sum(n => n.Documents), Bytes = g.Sum(n => n.Bytes) })
            .OrderBy(n => n.FullName, StringComparer.Ordinal).ToList();

    /// <summary>The manifest of <paramref name="shard"/>'s folder as a snapshot of its own.</summary>
    public static SnapshotManifest Of(SnapshotManifest cluster, ShardSection shard)
    {
        var prefix = shard.Folder + "/";
        var files = cluster.Files.Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal))
            .Select(f => f with { Path = f.Path[prefix.Length..], Namespace = null });
        return new SnapshotManifest
        {
            Id = cluster.Id,
            Kind = cluster.Kind,
            Status = cluster.Status,
            ToolVersion = cluster.ToolVersion,
            Source = new SnapshotSource { Topology = "ReplicaSet", ReplicaSetName = shard.ReplicaSetName, ServerVersion = cluster.Source.ServerVersion, Hosts = shard.Hosts },
            StartTime = cluster.StartTime,
            EndTime = cluster.EndTime,
            ConsistentAt = shard.ConsistentAt,
            PointInTimeConsistent = cluster.PointInTimeConsistent,
            OplogStart = shard.OplogStart,
            OplogEnd = shard.OplogEnd,
            OplogEntries = shard.OplogEntries,
            PreviousSliceEnd = shard.PreviousSliceEnd,
            Gap = shard.Gap,
            Scope = cluster.Scope,
            CopyOnly = cluster.CopyOnly,
            Namespaces = shard.Namespaces,
            Files = ManifestBinding.Bind(files, shard.Namespaces, cluster.Compression),
            Compression = cluster.Compression,
            CompressionLevel = cluster.CompressionLevel,
            Encryption = cluster.Encryption,
            Integrity = cluster.Integrity,
            StoredUnder = prefix,
        };
    }

    /// <summary>
    /// A cluster manifest's problems: each shard's view's (its whole-manifest ones naming the shard), a file under no
    /// shard's folder nor the metadata folder, a shard whose oplog runs past the cut without late commits, a consistency
    /// point that is not the cut.
    /// </summary>
    internal static ManifestProblems Check(SnapshotManifest cluster)
    {
        var section = cluster.Cluster!;
        var problems = new ManifestProblems();
        var name = ManifestChecks.Name(cluster);
        foreach (var shard in section.Shards)
        {
            var found = ManifestChecks.Check(Of(cluster, shard));
            problems.Whole.AddRange(found.Whole.Select(p => $"Shard {shard.Name}: {p}"));
            foreach (var (ns, list) in found.OfNamespace)
                foreach (var problem in list) problems.Add(cluster.Namespaces.FirstOrDefault(n => n.FullName == ns) ?? NamespaceOf(ns), $"Shard {shard.Name}: {problem}");
            if (shard.OplogEnd is { } end && end > section.ClusterTime.Timestamp && shard.LateCommits == 0)
                problems.Whole.Add($"{name} saves shard {shard.Name}'s oplog to {end}, past the cluster's cut {section.ClusterTime.Timestamp}.");
        }
        if (ConfigServerAdmin(cluster) is { } admin)
        {
            var found = ManifestChecks.Check(admin);
            problems.Whole.AddRange(found.Whole.Select(p => $"admin (config servers): {p}"));
            // A damaged entry of one of admin's own collections fails that namespace, as a shard's does.
            foreach (var (ns, list) in found.OfNamespace)
                if (section.AdminCollections.FirstOrDefault(n => n.FullName == ns) is { } own)
                    foreach (var problem in list) problems.Add(own, $"admin (config servers): {problem}");
        }
        var folders = section.Shards.Select(s => s.Folder + "/").Append(section.MetadataFolder + "/").ToList();
        foreach (var file in cluster.Files.Where(f => !folders.Any(d => f.Path.StartsWith(d, StringComparison.Ordinal))))
            problems.Whole.Add($"{name} lists '{file.Path}', which is in no shard's folder.");
        if (cluster.ConsistentAt?.Timestamp != section.ClusterTime.Timestamp)
            problems.Whole.Add($"{name} is consistent at {cluster.ConsistentAt?.Timestamp}, but records the cluster's cut at {section.ClusterTime.Timestamp}.");
        return problems;
    }

    private static ManifestNamespace NamespaceOf(string fullName)
    {
        var dot = fullName.IndexOf('.');
        return new ManifestNamespace(fullName[..dot], fullName[(dot + 1)..], "collection", 0, 0);
    }
}
