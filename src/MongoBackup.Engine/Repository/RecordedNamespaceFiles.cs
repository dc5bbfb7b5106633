using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The files a backup writes for each namespace its manifest records (by their mongodump-layout path, see
/// <see cref="LayoutFiles"/>): a metadata file always, and a data file for every collection that is not a view, even an
/// empty one. A manifest that records a namespace but lists neither was changed or damaged: read as it stands, the
/// namespace would restore empty, or be left out, unseen.
/// </summary>
public static class RecordedNamespaceFiles
{
    /// <summary>The data file a backup writes for a namespace of <paramref name="type"/>; null for a view.</summary>
    public static string? DataFile(string database, string collection, string type, Compression compression) => type switch
    {
        CollectionMetadata.ViewType => null,
        CollectionMetadata.TimeseriesType => DumpLayout.DataFile(database, "system.buckets." + collection, compression),
        _ => DumpLayout.DataFile(database, collection, compression),
    };

    /// <summary>One problem, naming the manifest, for each file of a recorded namespace that the manifest does not list.</summary>
    public static IEnumerable<string> FindNotListed(SnapshotManifest manifest)
    {
        var listed = new LayoutFiles(manifest);
        foreach (var ns in manifest.Namespaces)
        {
            var metadata = DumpLayout.MetadataFile(ns.Database, ns.Collection, manifest.Compression);
            var data = DataFile(ns.Database, ns.Collection, ns.Type, manifest.Compression);
            foreach (var (role, path) in new[] { ("metadata", metadata), ("data", data) })
                if (path is not null && listed.Find(path) is null)
                    yield return $"'{manifest.Id}/{SnapshotManifest.FileName}' records the {ns.Type} {ns.Database}.{ns.Collection} but lists no " +
                                 $"{role} file for it ('{listed.StoredPathOf(path)}'): the manifest was changed or damaged.";
        }
    }
}
