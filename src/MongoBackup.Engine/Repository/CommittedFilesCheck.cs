namespace MongoBackup.Engine.Repository;

/// <summary>
/// The writer's last check before its manifest: every file it is about to name is still stored under its id (one
/// listing of the snapshot's prefix, no data re-read). Whatever removed them (a removal that went past the writer's
/// mark, a hand cleaning the folder), a manifest never vouches for files that are gone.
/// </summary>
internal static class CommittedFilesCheck
{
    /// <exception cref="MongoBackupException">BackupFailed naming the missing files; nothing is committed.</exception>
    public static async Task RequireStoredAsync(ISnapshotRepository repository, string snapshotId, IReadOnlyCollection<ManifestFile> files, CancellationToken ct)
    {
        if (await repository.ListFilesAsync(snapshotId, ct).ConfigureAwait(false) is not { } stored) return;
        var missing = files.Select(f => f.Path).Where(p => !stored.Contains(p)).ToList();
        if (missing.Count == 0) return;
        throw new MongoBackupException(ErrorIds.BackupFailed,
            $"Snapshot {snapshotId} was not committed: {missing.Count} of its {files.Count} files ({string.Join(", ", missing.Take(5))}" +
            $"{(missing.Count > 5 ? ", ..." : "")}) are no longer in {repository.Location}; something removed them while it was written. " +
            "The unfinished snapshot was deleted; run the backup again.", target: $"{snapshotId}/{missing[0]}");
    }
}
