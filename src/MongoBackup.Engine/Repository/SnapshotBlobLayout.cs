using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// How snapshots map onto blob names in a store rooted at the repository's prefix: &lt;id&gt;/&lt;relative path&gt;,
/// with '/' separators (the store puts them under PREFIX/). Refuses ids and paths that would reach outside their
/// snapshot (a folder is a store rooted at the repository folder, with no prefix).
/// </summary>
internal sealed class SnapshotBlobLayout(RepositoryLocation location)
{
    /// <summary>The store's root: the prefix with a trailing '/', or empty for the container or bucket root.</summary>
    public string Root => location.Prefix.Length == 0 ? "" : location.Prefix + "/";

    /// <summary>The "folder" of a snapshot, ending in '/', relative to <see cref="Root"/>.</summary>
    public static string SnapshotFolder(string snapshotId)
    {
        SnapshotIds.RequireValid(snapshotId);
        return snapshotId + "/";
    }

    /// <summary>The blob name of a snapshot file.</summary>
    /// <exception cref="ArgumentException">The path is empty, absolute or reaches outside the snapshot.</exception>
    public static string FileName(string snapshotId, string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        try { return SnapshotFolder(snapshotId) + BlobNames.Require(relativePath); }
        catch (ArgumentException) when (SnapshotIds.CanNameSnapshot(snapshotId))
        {
            throw new ArgumentException($"'{relativePath}' is outside snapshot '{snapshotId}'.", nameof(relativePath));
        }
    }

    /// <summary>The blob name of a snapshot's manifest.json.</summary>
    public static string ManifestName(string snapshotId) => FileName(snapshotId, SnapshotManifest.FileName);

    /// <summary>The snapshot id of a common prefix ("PREFIX/id/", a full key) returned by a delimited listing.</summary>
    public string IdOfFolder(string folderPrefix) => folderPrefix[Root.Length..].TrimEnd('/');

    /// <summary>The snapshot id a blob belongs to; null for a blob directly at the root (not a snapshot's).</summary>
    public static string? IdOfName(string name)
    {
        var slash = name.IndexOf('/');
        return slash > 0 ? name[..slash] : null;
    }

    /// <summary>How a manifest is named in messages: the repository location, the id, the file.</summary>
    public string ManifestDisplayName(string snapshotId) => $"{location}/{snapshotId}/{SnapshotManifest.FileName}";
}
