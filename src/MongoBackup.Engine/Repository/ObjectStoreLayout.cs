namespace MongoBackup.Engine.Repository;

/// <summary>
/// How snapshots map onto object names in a blob store: PREFIX/&lt;id&gt;/&lt;relative path&gt;, with '/' separators.
/// Refuses ids and paths that would reach outside their snapshot, as the folder repository does.
/// </summary>
internal sealed class ObjectStoreLayout(RepositoryLocation location)
{
    /// <summary>The parent of every snapshot "folder": the prefix with a trailing '/', or empty for the container root.</summary>
    public string Root => location.Prefix.Length == 0 ? "" : location.Prefix + "/";

    /// <summary>The "folder" of a snapshot, ending in '/'.</summary>
    public string SnapshotFolder(string snapshotId)
    {
        SnapshotIds.RequireValid(snapshotId);
        return Root + snapshotId + "/";
    }

    public string FileKey(string snapshotId, string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        var normalized = relativePath.Replace('\\', '/');
        if (normalized.StartsWith('/') || normalized.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"'{relativePath}' is outside snapshot '{snapshotId}'.", nameof(relativePath));
        return SnapshotFolder(snapshotId) + normalized;
    }

    public string ManifestKey(string snapshotId) => FileKey(snapshotId, SnapshotManifest.FileName);

    /// <summary>The snapshot id of a common prefix ("PREFIX/id/") returned by a delimited listing.</summary>
    public string IdOfFolder(string folderPrefix) => folderPrefix[Root.Length..].TrimEnd('/');

    /// <summary>The snapshot id an object below the root belongs to; null for an object directly at the root (not a snapshot's).</summary>
    public string? IdOfKey(string key)
    {
        var rest = key[Root.Length..];
        var slash = rest.IndexOf('/');
        return slash > 0 ? rest[..slash] : null;
    }

    /// <summary>How a manifest is named in messages: the repository location, the id, the file.</summary>
    public string ManifestDisplayName(string snapshotId) => $"{location}/{snapshotId}/{SnapshotManifest.FileName}";
}
