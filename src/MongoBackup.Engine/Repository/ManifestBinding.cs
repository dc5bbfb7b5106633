using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Which namespace each file of a snapshot belongs to, by mongodump's layout: a namespace's metadata file (and the
/// exact BSON metadata beside it, when the backup kept one), and its data file (a timeseries collection's buckets file,
/// named after system.buckets.NAME, or after NAME as mongodump writes it from server 8.3); the oplog belongs to none.
/// A backup writes a metadata file for every namespace and a data file for every collection that is not a view, even
/// an empty one. It records the binding in each <see cref="ManifestFile"/>; a manifest written before that is bound
/// the same way from its paths when read. Paths are compared in the layout (<see cref="LayoutFiles.LayoutPathOf"/>), so
/// an encrypted snapshot's files bind under their encrypted names as a plain one's do.
/// </summary>
public static class ManifestBinding
{
    private const string BucketsPrefix = "system.buckets.";

    /// <summary>The files, each with the namespace it belongs to (left null when it belongs to none).</summary>
    public static List<ManifestFile> Bind(IEnumerable<ManifestFile> files, IReadOnlyCollection<ManifestNamespace> namespaces, Compression compression) =>
        files.Select(f => f with { Namespace = Derive(f, namespaces, compression)?.FullName }).ToList();

    /// <summary>The namespace a file belongs to: the one its manifest entry names, else the one its path is the layout of.</summary>
    public static ManifestNamespace? NamespaceOf(ManifestFile file, SnapshotManifest manifest) => file.Namespace is { } recorded
        ? manifest.Namespaces.FirstOrDefault(n => n.FullName == recorded)
        : Derive(file, manifest.Namespaces, manifest.Compression);

    /// <summary>
    /// Where a namespace's file of <paramref name="kind"/> may be, the one a backup writes now first; none for a view's
    /// data or for the oplog.
    /// </summary>
    public static IEnumerable<string> PathsOf(ManifestNamespace ns, ManifestFileKind kind, Compression compression)
    {
        switch (kind)
        {
            case ManifestFileKind.Metadata:
                yield return DumpLayout.MetadataFile(ns.Database, ns.Collection, compression);
                break;
            case ManifestFileKind.ExactMetadata:
                yield return DumpLayout.ExactMetadataFile(ns.Database, ns.Collection, compression);
                break;
            case ManifestFileKind.Data when ns.Type != CollectionMetadata.ViewType:
                if (ns.Type == CollectionMetadata.TimeseriesType)
                    yield return DumpLayout.DataFile(ns.Database, BucketsPrefix + ns.Collection, compression);
                yield return DumpLayout.DataFile(ns.Database, ns.Collection, compression);
                break;
        }
    }

    /// <summary>Whether a file is where the layout puts the namespace's file of its kind (whatever the snapshot's naming).</summary>
    public static bool IsAt(ManifestFile file, ManifestNamespace ns, Compression compression) =>
        PathsOf(ns, file.Kind, compression).Contains(LayoutFiles.LayoutPathOf(file.Path), StringComparer.Ordinal);

    private static ManifestNamespace? Derive(ManifestFile file, IEnumerable<ManifestNamespace> namespaces, Compression compression) =>
        file.Kind == ManifestFileKind.Oplog ? null : namespaces.FirstOrDefault(ns => IsAt(file, ns, compression));
}
