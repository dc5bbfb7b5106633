using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Deletes snapshots from a repository, refusing (unless forced) when that would break a restore window that
/// stays, or when a snapshot's manifest is damaged (its data may be whole); and refusing, forced or not, a snapshot
/// that a restore, test or copy is reading (its <see cref="SnapshotReadLease"/>) or that a backup, slice or copy is
/// still writing (its writer mark). Snapshots without a manifest whose writer is gone (crashed backups) can always be removed.
/// </summary>
public sealed class SnapshotRemover(IEngineObserver observer, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>What removing <paramref name="ids"/> would break; empty when it is safe. Unknown ids are an error.</summary>
    public static Task<IReadOnlyList<RemovalBlocker>> CheckAsync(ISnapshotRepository repository, IReadOnlyCollection<string> ids, CancellationToken ct) =>
        CheckAsync(new SnapshotCatalog(repository), ids, ct);

    /// <summary>The same, judged from the command's <paramref name="catalog"/>.</summary>
    public static async Task<IReadOnlyList<RemovalBlocker>> CheckAsync(SnapshotCatalog catalog, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = await catalog.FoundAsync(ct).ConfigureAwait(false);
        RequireAll(catalog.Repository, found, ids);
        var manifests = found.Select(f => f.Manifest).OfType<SnapshotManifest>().ToList();
        var damaged = found.Where(f => f.IsDamaged && ids.Contains(f.SnapshotId, StringComparer.Ordinal)).Select(DamagedBlocker);
        return damaged.Concat(RemovalGuard.FindBlockers(manifests, ids.ToHashSet(StringComparer.Ordinal))).ToList();
    }

    /// <param name="skipBeingRead">Leave snapshots being read or written (with a warning) and remove the others, as retention does;
    /// otherwise such a snapshot refuses the whole removal (SnapshotBeingRead, SnapshotBeingWritten).</param>
    /// <returns>The ids removed.</returns>
    public Task<IReadOnlyList<string>> RemoveAsync(ISnapshotRepository repository, IReadOnlyCollection<string> ids, bool force, CancellationToken ct,
        bool skipBeingRead = false) =>
        RemoveAsync(new SnapshotCatalog(repository), ids, force, ct, skipBeingRead);

    /// <summary>The same, guarded by the command's <paramref name="catalog"/>, which is told of each removal.</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(SnapshotCatalog catalog, IReadOnlyCollection<string> ids, bool force, CancellationToken ct,
        bool skipBeingRead = false)
    {
        var repository = catalog.Repository;
        var blockers = await CheckAsync(catalog, ids, ct).ConfigureAwait(false);
        if (blockers.Count > 0 && !force) throw Refusal(repository, blockers);

        // Newest first: should removal stop half-way, the older snapshots that newer ones build on are still there.
        var removing = ids.Distinct(StringComparer.Ordinal).OrderByDescending(i => i, StringComparer.Ordinal).ToList();
        if (repository.Marks is { } marks)
            removing = await HoldOffUsersAsync(repository, marks, removing, skipBeingRead, ct).ConfigureAwait(false);
        foreach (var blocker in blockers.Where(b => removing.Contains(b.SnapshotId, StringComparer.Ordinal)))
            observer.Warning($"Removing anyway (-Force): {blocker.Reason}");
        foreach (var id in removing)
        {
            ct.ThrowIfCancellationRequested();
            await repository.DeleteSnapshotAsync(id, ct).ConfigureAwait(false);
            catalog.Deleted(id);
            observer.Verbose($"Removed snapshot {id} from {repository.Location}.");
        }
        return removing;
    }

    /// <summary>
    /// Deletes the snapshot a forced copy replaces: held off by its readers and its writer like any removal (SnapshotBeingRead,
    /// SnapshotBeingWritten), but not by the restore-window guard, since the copy puts a snapshot of the same id back.
    /// </summary>
    public async Task DeleteForReplacementAsync(ISnapshotRepository repository, string id, CancellationToken ct)
    {
        if (repository.Marks is { } marks) await HoldOffUsersAsync(repository, marks, [id], skipInUse: false, ct).ConfigureAwait(false);
        await repository.DeleteSnapshotAsync(id, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks the snapshots as being removed, then looks for readers and writers: a snapshot being read or still being
    /// written keeps its data (the mark is taken back) and either refuses the removal or, when skipping, is left out of it.
    /// </summary>
    private async Task<List<string>> HoldOffUsersAsync(ISnapshotRepository repository, ISnapshotMarks marks, List<string> ids, bool skipInUse,
        CancellationToken ct)
    {
        var mark = await SnapshotRemovalMarks.MarkAsync(marks, ids, $"{RepositoryLeases.NewHolderId()} (removal)", _clock, ct).ConfigureAwait(false);
        var users = new List<(string Id, string Use)>();
        var written = false;
        foreach (var id in ids)
        {
            foreach (var writer in await SnapshotRemovalMarks.LiveWritersAsync(marks, id, _clock, ct).ConfigureAwait(false))
            {
                written = true;
                users.Add((id, $"Snapshot {id} is still being written by {writer.Holder}, whose writer mark runs until {writer.ExpiresAt:u}."));
            }
            foreach (var reader in await SnapshotRemovalMarks.LiveReadersAsync(marks, id, _clock, ct).ConfigureAwait(false))
                users.Add((id, $"Snapshot {id} is being read by {reader.Holder}, whose read lease runs until {reader.ExpiresAt:u}."));
        }
        if (users.Count == 0) return ids;

        var usedIds = users.Select(u => u.Id).Distinct(StringComparer.Ordinal).ToList();
        var described = string.Join(" ", users.Select(u => u.Use));
        if (!skipInUse)
        {
            await SnapshotRemovalMarks.ClearAsync(marks, ids, mark).ConfigureAwait(false);
            throw new MongoBackupException(written ? ErrorIds.SnapshotBeingWritten : ErrorIds.SnapshotBeingRead,
                $"Nothing was removed from {repository.Location}: {described} Removing it now would break that run half-way (-Force does not change that); " +
                "run the removal again once that run is done or its mark has run out.", target: usedIds[0]);
        }
        await SnapshotRemovalMarks.ClearAsync(marks, usedIds, mark).ConfigureAwait(false);
        observer.Warning($"Not removed now, removed by a later run: {described}");
        return ids.Except(usedIds, StringComparer.Ordinal).ToList();
    }

    // Each blocker's reason ends with its own way out (remove what it needs with it, or leave it out); -Force is the
    // other, said once after them all.
    private const string ForceRemovesAnyway = "Or use -Force to remove them anyway.";

    /// <summary>
    /// The error for a removal that would break kept restore windows or take a damaged snapshot: every reason, by name.
    /// A damaged snapshot among them gives its own error id.
    /// </summary>
    public static MongoBackupException Refusal(ISnapshotRepository repository, IReadOnlyList<RemovalBlocker> blockers) =>
        new(blockers.Any(b => b.ErrorId == ErrorIds.SnapshotDamaged) ? ErrorIds.SnapshotDamaged : ErrorIds.SnapshotInUse,
            $"Nothing was removed from {repository.Location}: the snapshots given are judged and removed as one set, and " +
            string.Join(" ", blockers.Select(b => b.Reason)) + " " + ForceRemovesAnyway, target: blockers[0].SnapshotId);

    /// <summary>
    /// The dry run's refusal of <paramref name="id"/>, one of a set refused for <paramref name="blockers"/>: its own reason
    /// when it is one of them; else that it may go alone but goes with the set, naming the snapshots that may not.
    /// </summary>
    public static MongoBackupException RefusalOf(ISnapshotRepository repository, string id, IReadOnlyList<RemovalBlocker> blockers)
    {
        var own = blockers.Where(b => b.SnapshotId == id).ToList();
        if (own.Count > 0) return Refusal(repository, own);
        var set = Refusal(repository, blockers);
        return new MongoBackupException(set.ErrorId,
            $"{id} may go on its own (Remove-MongoSnapshot -Id {id}), but the snapshots given are judged and removed as one set, and " +
            $"{string.Join(", ", blockers.Select(b => b.SnapshotId).Distinct())} may not: {string.Join(" ", blockers.Select(b => b.Reason))} " +
            ForceRemovesAnyway, target: id);
    }

    private static RemovalBlocker DamagedBlocker(ManifestReadResult found) => new(found.SnapshotId,
        $"snapshot {found.SnapshotId} has a damaged manifest ({found.Error}); the backup finished, so its data may be whole. " +
        "Only a removal that names it by -Id with -Force takes it.", ErrorIds.SnapshotDamaged);

    private static void RequireAll(ISnapshotRepository repository, IReadOnlyList<ManifestReadResult> found, IReadOnlyCollection<string> ids)
    {
        var missing = ids.Where(id => found.All(f => f.SnapshotId != id)).ToList();
        if (missing.Count > 0)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"There is no snapshot {string.Join(", ", missing)} in {repository.Location}; nothing was removed.", target: missing[0]);
    }
}
