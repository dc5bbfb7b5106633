namespace MongoBackup.Engine.Repository;

/// <summary>
/// Small marks a run leaves at the root of a snapshot to say it is using it: a reader's lease while a restore, a
/// test or a copy reads the snapshot, a remover's mark while it deletes it (see <see cref="SnapshotReadLease"/>).
/// Each mark is one file or object named ".mongobackup-..." holding a <see cref="LeaseRecord"/>, written whole
/// (never seen half-written) and going with the snapshot when it is deleted. mongorestore skips them, as it skips
/// manifest.json. Folder, Azure Blob and S3 repositories keep them.
/// </summary>
public interface ISnapshotMarks
{
    /// <summary>Writes or replaces a mark; false when the snapshot folder does not exist (nothing is created then).</summary>
    Task<bool> WriteMarkAsync(string snapshotId, string name, string content, CancellationToken ct);

    /// <summary>Every mark of a snapshot whose name starts with <paramref name="prefix"/>: its name and content.</summary>
    Task<IReadOnlyList<(string Name, string Content)>> ReadMarksAsync(string snapshotId, string prefix, CancellationToken ct);

    /// <summary>
    /// The content of the mark named exactly <paramref name="name"/>, or null when there is none: one read where the
    /// store can (<see cref="BlobStoreRepository"/>), this default lists the marks of that name and picks it.
    /// </summary>
    async Task<string?> ReadMarkAsync(string snapshotId, string name, CancellationToken ct) =>
        (await ReadMarksAsync(snapshotId, name, ct).ConfigureAwait(false)).FirstOrDefault(m => m.Name == name).Content;

    /// <summary>Removes a mark; nothing happens when it is already gone.</summary>
    Task DeleteMarkAsync(string snapshotId, string name, CancellationToken ct);
}
