using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// A continuous capture's key judged again after each slice it commits: the capture runs for days, and Update-MongoSnapshotKey
/// may move the whole chain to a new key meanwhile (a repository whose settings pin no key says nothing of it). The check is
/// the one a new slice meets (<see cref="SliceKey"/>: the settings, and the chain's key), over the repository listed again.
/// </summary>
internal static class CaptureKeyCheck
{
    /// <summary>
    /// After a slice is committed under the capture's key: judges that key against the chain as it is now (the catalog
    /// listed again, as Update-MongoSnapshotKey may have rewritten every manifest while the slice was open). When the chain no
    /// longer admits it, a warning names the slices this capture left under the retired key (the one just kept, and any
    /// committed while the rotation ran), and the refusal of the next slice is returned.
    /// </summary>
    public static async Task<MongoBackupException?> RetiredAsync(ContinuousCaptureRequest request, ServerTopology topology, SnapshotCatalog catalog,
        IReadOnlyList<SnapshotManifest> closed, SnapshotManifest kept, Action<string> warn, CancellationToken ct)
    {
        if (request.Slice.Encryption is null || kept.Encryption is not { } key) return null;
        catalog.Refresh();
        var refusal = await SliceKey.RefusalAsync(request.Slice, catalog, topology, ct);
        if (refusal is null) return null;
        var ours = closed.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var stranded = (await catalog.CompleteAsync(ct)).Where(s => ours.Contains(s.Id) && s.Encryption?.KeyId == key.KeyId)
            .OrderBy(s => s.OplogEnd).Select(s => s.Id).ToList();
        warn($"Oplog slice{(stranded.Count == 1 ? "" : "s")} {string.Join(", ", stranded)} {(stranded.Count == 1 ? "was" : "were")} written under key {key.KeyId}, " +
            $"which the oplog chain in {request.Slice.Repository.Location} no longer takes (its key was rotated while the capture ran). Kept; bring them under the new key " +
            "with Update-MongoSnapshotKey -Id <id>, giving both keys.");
        return new MongoBackupException(refusal.ErrorId,
            $"The oplog chain in {request.Slice.Repository.Location} was moved to another key while this capture ran (Update-MongoSnapshotKey), so no further slice " +
            $"is written under the capture's key {key.KeyId}: {refusal.Message} Restart Backup-MongoOplog -Continuous with the new key.", refusal, refusal.Target);
    }
}
