namespace MongoBackup.Engine.Repository;

/// <summary>The complete snapshots of a repository, newest first, as the oplog and restore-window logic need them.</summary>
public static class SnapshotCatalog
{
    public static async Task<IReadOnlyList<SnapshotManifest>> LoadCompleteAsync(ISnapshotRepository repository, CancellationToken ct)
    {
        var complete = new List<SnapshotManifest>();
        await foreach (var result in repository.ListAsync(ct))
            if (result.Manifest is { Status: SnapshotStatus.Complete } manifest)
                complete.Add(manifest);
        return complete.OrderByDescending(m => m.EndTime).ThenByDescending(m => m.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The complete snapshot with this id, or a clear error naming the repository.</summary>
    public static async Task<SnapshotManifest> FindAsync(ISnapshotRepository repository, string id, CancellationToken ct)
    {
        await foreach (var result in repository.ListAsync(ct))
        {
            if (result.SnapshotId != id) continue;
            if (result.IsDamaged)
                throw new MongoBackupException(ErrorIds.CorruptFile,
                    $"Snapshot {id} in {repository.Location} has a damaged manifest, so nothing in it can be checked or read: {result.Error}", target: id);
            var manifest = result.Manifest ?? throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"Snapshot {id} in {repository.Location} is incomplete: {result.Error}", target: id);
            // Files, and an encrypted snapshot's keys, are bound to the id: a manifest that names another snapshot is damaged.
            if (manifest.Id != id)
                throw new MongoBackupException(ErrorIds.CorruptFile,
                    $"The {SnapshotManifest.FileName} of snapshot {id} in {repository.Location} names snapshot '{manifest.Id}': it was changed or damaged.", target: id);
            return manifest;
        }
        throw new MongoBackupException(ErrorIds.SnapshotNotFound, $"There is no snapshot {id} in {repository.Location}.", target: id);
    }

    /// <summary>Whether two snapshots come from the same replica set (an oplog chain never mixes sources).</summary>
    public static bool SameSource(SnapshotManifest a, SnapshotManifest b) =>
        string.Equals(a.Source.ReplicaSetName, b.Source.ReplicaSetName, StringComparison.Ordinal);
}
