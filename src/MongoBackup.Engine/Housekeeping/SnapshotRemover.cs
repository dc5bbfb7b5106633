using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Deletes snapshots from a repository, refusing (unless forced) when that would break a restore window that
/// stays, or when a snapshot's manifest is damaged (its data may be whole). Snapshots without a manifest (unfinished
/// backups) can always be removed.
/// </summary>
public sealed class SnapshotRemover(IEngineObserver observer)
{
    /// <summary>What removing <paramref name="ids"/> would break; empty when it is safe. Unknown ids are an error.</summary>
    public static async Task<IReadOnlyList<RemovalBlocker>> CheckAsync(ISnapshotRepository repository, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = await ListAsync(repository, ct).ConfigureAwait(false);
        RequireAll(repository, found, ids);
        var manifests = found.Select(f => f.Manifest).OfType<SnapshotManifest>().ToList();
        var damaged = found.Where(f => f.IsDamaged && ids.Contains(f.SnapshotId, StringComparer.Ordinal)).Select(DamagedBlocker);
        return damaged.Concat(RemovalGuard.FindBlockers(manifests, ids.ToHashSet(StringComparer.Ordinal))).ToList();
    }

    public async Task RemoveAsync(ISnapshotRepository repository, IReadOnlyCollection<string> ids, bool force, CancellationToken ct)
    {
        var blockers = await CheckAsync(repository, ids, ct).ConfigureAwait(false);
        if (blockers.Count > 0 && !force) throw Refusal(repository, blockers);
        foreach (var blocker in blockers)
            observer.Warning($"Removing anyway (-Force): {blocker.Reason}");

        // Newest first: should removal stop half-way, the older snapshots that newer ones build on are still there.
        foreach (var id in ids.Distinct(StringComparer.Ordinal).OrderByDescending(i => i, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            await repository.DeleteSnapshotAsync(id, ct).ConfigureAwait(false);
            observer.Verbose($"Removed snapshot {id} from {repository.Location}.");
        }
    }

    /// <summary>
    /// The error for a removal that would break kept restore windows or take a damaged snapshot: every reason, by name.
    /// A damaged snapshot among them gives its own error id.
    /// </summary>
    public static MongoBackupException Refusal(ISnapshotRepository repository, IReadOnlyList<RemovalBlocker> blockers) =>
        new(blockers.Any(b => b.ErrorId == HousekeepingErrorIds.SnapshotDamaged) ? HousekeepingErrorIds.SnapshotDamaged : HousekeepingErrorIds.SnapshotInUse,
            $"Nothing was removed from {repository.Location}: " + string.Join(" ", blockers.Select(b => b.Reason)) +
            " Use -Force to remove anyway.", target: blockers[0].SnapshotId);

    private static RemovalBlocker DamagedBlocker(ManifestReadResult found) => new(found.SnapshotId,
        $"snapshot {found.SnapshotId} has a damaged manifest ({found.Error}); the backup finished, so its data may be whole. " +
        "Only a removal that names it by -Id with -Force takes it.", HousekeepingErrorIds.SnapshotDamaged);

    private static async Task<List<ManifestReadResult>> ListAsync(ISnapshotRepository repository, CancellationToken ct)
    {
        var found = new List<ManifestReadResult>();
        await foreach (var result in repository.ListAsync(ct).ConfigureAwait(false)) found.Add(result);
        return found;
    }

    private static void RequireAll(ISnapshotRepository repository, List<ManifestReadResult> found, IReadOnlyCollection<string> ids)
    {
        var missing = ids.Where(id => found.All(f => f.SnapshotId != id)).ToList();
        if (missing.Count > 0)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"There is no snapshot {string.Join(", ", missing)} in {repository.Location}; nothing was removed.", target: missing[0]);
    }
}
