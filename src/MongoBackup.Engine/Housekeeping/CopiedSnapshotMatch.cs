using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Whether the snapshot a copy's destination already holds under an id is the source's snapshot of that id: what
/// Copy-MongoSnapshot -SkipExisting checks before it skips one, so a nightly sync never takes a different snapshot (an
/// interrupted copy, a name reused in another repository) for the one it was meant to keep offsite.
/// </summary>
public static class CopiedSnapshotMatch
{
    /// <summary>
    /// What differs between the source's snapshot and the destination's of the same id, as a phrase ("its file
    /// 'shop/orders.bson' differs"); null when they are the same snapshot: complete, of the same kind and start, and
    /// every stored file of the same path, size and SHA-256 (the bytes as kept, so encrypted under the same data key).
    /// The key that wraps the data key is not compared (see <see cref="KeyDifference"/>).
    /// </summary>
    public static string? Difference(SnapshotManifest source, ManifestReadResult destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Manifest is not { } copy)
            return destination.IsDamaged ? $"its manifest there cannot be read ({destination.Error})" : "it is incomplete there (no manifest: a copy or backup interrupted, or still running)";
        if (copy.Status != source.Status) return $"it is marked {copy.Status} there";
        if (copy.Kind != source.Kind || copy.StartTime != source.StartTime)
            return $"it is a {copy.Kind} snapshot started at {copy.StartTime:u} there, not a {source.Kind} snapshot started at {source.StartTime:u}";
        var theirs = copy.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var file in source.Files)
        {
            if (!theirs.Remove(file.Path, out var other)) return $"its file '{file.Path}' is missing there";
            if (other.Size != file.Size || !string.Equals(other.Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase))
                return $"its file '{file.Path}' differs there ({other.Size:N0} bytes, SHA-256 {other.Sha256}; the source's: {file.Size:N0} bytes, SHA-256 {file.Sha256})";
        }
        return theirs.Count > 0 ? $"it holds file '{theirs.Keys.Order(StringComparer.Ordinal).First()}' there, which the source's does not" : null;
    }

    /// <summary>
    /// For two copies of one snapshot: the phrase saying their data keys are wrapped under different keys (one of them
    /// was rotated with Update-MongoSnapshotKey and the other not); null when both are under the same key or neither is encrypted.
    /// </summary>
    public static string? KeyDifference(SnapshotManifest source, SnapshotManifest copy)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(copy);
        var (mine, theirs) = (source.Encryption?.KeyId, copy.Encryption?.KeyId);
        return string.Equals(mine, theirs, StringComparison.OrdinalIgnoreCase) ? null
            : $"its data key is wrapped under key {theirs ?? "(none)"} there and under key {mine ?? "(none)"} in the source";
    }
}
