using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// A continuous capture's key judged again as it goes (a replica set's after each slice it commits, a cluster's before each
/// slice): the capture runs for days, and the chain may change under it meanwhile. Update-MongoSnapshotKey may move the whole
/// chain to a new key (a repository whose settings pin no key says nothing of it), and a capture without a key may see an
/// encrypted full taken of its chain, after which a plain slice would put the writes after that full in the clear. The check is
/// the one a new slice meets (<see cref="SliceKey"/>: the settings, and the chain's key), over the repository listed again, so a
/// capture refuses what a one-shot Backup-MongoOplog with the same key would.
/// </summary>
internal static class CaptureKeyCheck
{
    /// <summary>
    /// Judges the capture's key (none, or <see cref="OplogSliceRequest.Encryption"/>) against the chain as it is now (the catalog
    /// listed again, as another command may have written or rewritten manifests meanwhile). When the chain no longer admits it,
    /// the refusal of the next slice is returned, worded for a capture; under a key, a warning also names the slices this capture
    /// left under the retired key (the one just kept, and any committed while the rotation ran).
    /// </summary>
    /// <param name="request">The capture: its slices' key source and repository.</param>
    /// <param name="topology">The captured source, whose chain is judged.</param>
    /// <param name="catalog">The capture's catalog, listed again here.</param>
    /// <param name="closed">The slices this capture committed, oldest first (may be empty).</param>
    /// <param name="warn">Where the warning about slices under a retired key goes.</param>
    /// <param name="ct">Cancels the listing.</param>
    /// <returns>Null when the next slice is admitted; else EncryptionKeyRequired or WrongEncryptionKey.</returns>
    public static async Task<MongoBackupException?> RefusalAsync(ContinuousCaptureRequest request, ServerTopology topology, SnapshotCatalog catalog,
        IReadOnlyList<SnapshotManifest> closed, Action<string> warn, CancellationToken ct)
    {
        catalog.Refresh();
        var refusal = await SliceKey.RefusalAsync(request.Slice, catalog, topology, ct);
        if (refusal is null) return null;
        var location = request.Slice.Repository.Location;
        if (request.Slice.Encryption is null)
        {
            var kept = closed.Count == 0 ? "" : $" Slice {closed[^1].Id}, the last this capture wrote, was kept unencrypted.";
            return new MongoBackupException(refusal.ErrorId,
                $"The oplog chain in {location} no longer takes an unencrypted slice (an encrypted snapshot was taken of it, or the repository now requires " +
                $"encryption, while this capture ran without a key), so this capture writes no further slice: {refusal.Message}{kept} " +
                "Restart Backup-MongoOplog -Continuous with the key.", refusal, refusal.Target);
        }
        var ours = closed.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var retiredKeyIds = closed.Select(c => c.Encryption?.KeyId).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var stranded = (await catalog.CompleteAsync(ct)).Where(s => ours.Contains(s.Id) && s.Encryption?.KeyId is { } id && retiredKeyIds.Contains(id))
            .OrderBy(s => s.OplogEnd).Select(s => s.Id).ToList();
        var keyName = retiredKeyIds.Count == 1 ? $"key {retiredKeyIds.First()}" : "the capture's key";
        if (stranded.Count > 0)
            warn($"Oplog slice{(stranded.Count == 1 ? "" : "s")} {string.Join(", ", stranded)} {(stranded.Count == 1 ? "was" : "were")} written under {keyName}, " +
                $"which the oplog chain in {location} no longer takes (its key was rotated while the capture ran). Kept; bring them under the new key " +
                "with Update-MongoSnapshotKey -Id <id>, giving both keys.");
        return new MongoBackupException(refusal.ErrorId,
            $"The oplog chain in {location} was moved to another key while this capture ran (Update-MongoSnapshotKey), so no further slice " +
            $"is written under {keyName}: {refusal.Message} Restart Backup-MongoOplog -Continuous with the new key.", refusal, refusal.Target);
    }

    /// <summary>
    /// After the last slice of a stopping capture is committed: as <see cref="RefusalAsync"/>, but nothing is refused (the
    /// capture ends anyway), so what it finds is a warning: the slices under a retired key, or for a capture without a key, that
    /// its chain now refuses an unencrypted slice. A failure to judge is a warning too; the slice stays.
    /// </summary>
    public static async Task WarnAfterLastAsync(ContinuousCaptureRequest request, ServerTopology topology, SnapshotCatalog catalog,
        IReadOnlyList<SnapshotManifest> closed, Action<string> warn)
    {
        try
        {
            if (await RefusalAsync(request, topology, catalog, closed, warn, CancellationToken.None) is { } refused && request.Slice.Encryption is null)
                warn(refused.Message);
        }
        catch (Exception e)
        {
            warn($"Could not check the key of the oplog chain in {request.Slice.Repository.Location} after slice {closed.LastOrDefault()?.Id}: {e.Message}");
        }
    }
}
