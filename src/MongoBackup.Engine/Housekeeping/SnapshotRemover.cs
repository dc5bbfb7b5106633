using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Deletes snapshots from a repository, refusing (unless forced) when that would break a restore window that
/// stays, or when a snapshot's manifest is damaged (its data may be whole); and refusing, forced or not, a snapshot
/// that a restore, test or copy is reading (its <see cref="SnapshotReadLease"/>) or that a backup, slice or copy is
/// still writing (its writer mark, as <see cref="SnapshotWriters"/> judges it). Snapshots without a manifest whose writer is
/// gone (killed or crashed backups) can always be removed.
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
        {
            var unfinished = (await catalog.FoundAsync(ct).ConfigureAwait(false)).Where(f => f.Manifest is null && !f.IsDamaged)
                .Select(f => f.SnapshotId).ToHashSet(StringComparer.Ordinal);
            removing = await HoldOffUsersAsync(repository, marks, removing, unfinished, skipBeingRead, ct).ConfigureAwait(false);
        }
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
        if (repository.Marks is { } marks) await HoldOffUsersAsync(repository, marks, [id], new HashSet<string>(), skipInUse: false, ct).ConfigureAwait(false);
        await repository.DeleteSnapshotAsync(id, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// What the removal of <paramref name="ids"/> would meet from runs using them, judged as <see cref="RemoveAsync(SnapshotCatalog, IReadOnlyCollection{string}, bool, CancellationToken, bool)"/>
    /// judges them but without marking anything (a dry run): the refusal that removal would throw (SnapshotBeingWritten,
    /// SnapshotBeingRead; -Force does not change it), or null when no run holds them.
    /// </summary>
    public async Task<MongoBackupException?> UsersRefusalAsync(ISnapshotRepository repository, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (repository.Marks is not { } marks) return null;
        var users = await UsersAsync(marks, ids, ct).ConfigureAwait(false);
        return users.Count == 0 ? null : UsersRefusal(repository, users);
    }

    /// <summary>
    /// Marks the snapshots as being removed, then looks for readers and writers: a snapshot being read or still being
    /// written keeps its data (the mark is taken back) and either refuses the removal or, when skipping, is left out of it.
    /// A snapshot listed without a manifest (<paramref name="unfinished"/>) is looked at once more under the mark: one whose
    /// run committed it since the listing (and then let go of its writer mark) is complete now, and stays.
    /// </summary>
    private async Task<List<string>> HoldOffUsersAsync(ISnapshotRepository repository, ISnapshotMarks marks, List<string> ids,
        IReadOnlySet<string> unfinished, bool skipInUse, CancellationToken ct)
    {
        var mark = await SnapshotRemovalMarks.MarkAsync(marks, ids, $"{RepositoryLeases.NewHolderId()} (removal)", _clock, ct).ConfigureAwait(false);
        var users = await UsersAsync(marks, ids, ct).ConfigureAwait(false);
        foreach (var id in ids.Where(unfinished.Contains).Except(users.Select(u => u.Id), StringComparer.Ordinal).ToList())
            if (await repository.ReadManifestAsync(id, ct).ConfigureAwait(false) is { Manifest: not null })
                users.Add(new SnapshotUser(id, $"Snapshot {id} was listed without a manifest, but its run has committed it since: it is complete now, and was listed again before any removal.", Writing: true));
        if (users.Count == 0) return ids;

        var usedIds = users.Select(u => u.Id).Distinct(StringComparer.Ordinal).ToList();
        if (!skipInUse)
        {
            await SnapshotRemovalMarks.ClearAsync(marks, ids, mark).ConfigureAwait(false);
            throw UsersRefusal(repository, users);
        }
        await SnapshotRemovalMarks.ClearAsync(marks, usedIds, mark).ConfigureAwait(false);
        observer.Warning($"Not removed now, removed by a later run: {string.Join(" ", users.Select(u => u.Use))}");
        return ids.Except(usedIds, StringComparer.Ordinal).ToList();
    }

    // Each blocker's reason ends with its own way out (remove what it needs with it, or leave it out); -Force is the
    // other, said once after them all.
    private const string ForceRemovesAnyway = "Or use -Force to remove them anyway.";

    /// <summary>A run that holds a snapshot a removal would take: what it is doing, as a sentence, and whether it writes it.</summary>
    private sealed record SnapshotUser(string Id, string Use, bool Writing);

    /// <summary>The runs that hold <paramref name="ids"/>: writers that may still be writing (<see cref="SnapshotWriters"/>) and live readers.</summary>
    private async Task<List<SnapshotUser>> UsersAsync(ISnapshotMarks marks, IEnumerable<string> ids, CancellationToken ct)
    {
        var users = new List<SnapshotUser>();
        foreach (var id in ids)
        {
            foreach (var writer in await SnapshotWriters.LiveAsync(marks, id, _clock, ct).ConfigureAwait(false))
                users.Add(new SnapshotUser(id, writer.Refusal(id), Writing: true));
            foreach (var reader in await SnapshotRemovalMarks.LiveReadersAsync(marks, id, _clock, ct).ConfigureAwait(false))
                users.Add(new SnapshotUser(id, $"Snapshot {id} is being read by {reader.Holder}, whose read lease runs until {reader.ExpiresAt:u}.", Writing: false));
        }
        return users;
    }

    /// <summary>The refusal of a removal that met <paramref name="users"/>: the one wording of the removal and its dry run.</summary>
    private static MongoBackupException UsersRefusal(ISnapshotRepository repository, IReadOnlyList<SnapshotUser> users) =>
        new(users.Any(u => u.Writing) ? ErrorIds.SnapshotBeingWritten : ErrorIds.SnapshotBeingRead,
            $"Nothing was removed from {repository.Location}: {string.Join(" ", users.Select(u => u.Use))} Removing it now would break that run half-way " +
            "(-Force does not change that); run the removal again once that run is done or its mark has run out.", target: users[0].Id);

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
