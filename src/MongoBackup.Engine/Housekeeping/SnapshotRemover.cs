using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Deletes snapshots from a repository, refusing (unless forced) when that would break a restore window that
/// stays. Snapshots without a readable manifest (unfinished backups) can always be removed.
/// </summary>
public sealed class SnapshotRemover(IEngineObserver observer)
{
    /// <summary>What removing <paramref name="ids"/> would break; empty when it is safe. Unknown ids are an error.</summary>
    public static async Task<IReadOnlyList<RemovalBlocker>> CheckAsync(ISnapshotRepository repository, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = await ListAsync(repository, ct).ConfigureAwait(false);
        RequireAll(repository, found, ids);
        var manifests = found.Select(f => f.Manifest).OfType<SnapshotManifest>().ToList();
        return RemovalGuard.FindBlockers(manifests, ids.ToHashSet(StringComparer.Ordinal));
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

    /// <summary>The error for a removal that would break kept restore windows: every window it would break, by name.</summary>
    public static MongoBackupException Refusal(ISnapshotRepository repository, IReadOnlyList<RemovalBlocker> blockers) =>
        new(HousekeepingErrorIds.SnapshotInUse,
            $"Nothing was removed from {repository.Location}: " + string.Join(" ", blockers.Select(b => b.Reason)) +
            " Use -Force to remove anyway.", target: blockers[0].SnapshotId);

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
