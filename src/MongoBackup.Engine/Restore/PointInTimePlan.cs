using System.Runtime.CompilerServices;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a point-in-time restore will do, worked out before anything is written: its window (base snapshot and
/// slices), the namespaces it takes from the base snapshot, and, when the snapshot holds none of what the filter
/// selects, whether the oplog it replays does (a collection or database created after the base snapshot).
/// </summary>
public sealed record PointInTimePlan(RestoreWindow Window, IReadOnlyList<PlannedNamespace> FromSnapshot, bool FromOplogOnly)
{
    /// <summary>Whether the restore writes anything at all.</summary>
    public bool IsEmpty => FromSnapshot.Count == 0 && !FromOplogOnly;

    /// <summary>
    /// The plan, listing the repository once; writes nothing.
    /// </summary>
    /// <exception cref="MongoBackupException">OutsideRestoreWindow or ScopeNotCovered when no window
    /// reaches the moment for what is asked, naming the windows there are.</exception>
    public static Task<PointInTimePlan> CreateAsync(PointInTimeRestoreRequest request, CancellationToken ct) =>
        CreateAsync(request, new SnapshotCatalog(request.Repository), ct);

    /// <summary>The plan, its window chosen from the command's <paramref name="catalog"/> (which a later run through that window shares).</summary>
    public static async Task<PointInTimePlan> CreateAsync(PointInTimeRestoreRequest request, SnapshotCatalog catalog, CancellationToken ct)
    {
        var window = await PointInTimeRestoreRunner.PlanAsync(request, catalog, ct);
        var restore = request.Restore with { Snapshot = new RepositorySnapshot(request.Repository, window.BaseSnapshot.Id) };
        var namespaces = await RestoreRunner.PlanAsync(restore, ct);
        if (namespaces.Count > 0 || request.Restore.NoOplogReplay) return new PointInTimePlan(window, namespaces, false);
        return new PointInTimePlan(window, namespaces, await OplogSelectsAsync(request, window, request.Restore.Filter, ct));
    }

    /// <summary>
    /// Whether the oplog the restore replays (the base snapshot's own, then the window's slices, up to the moment) writes
    /// to anything <paramref name="filter"/> selects within what the base snapshot covers: a name created after it.
    /// </summary>
    public static async Task<bool> OplogSelectsAsync(PointInTimeRestoreRequest request, RestoreWindow window, NamespaceFilter filter, CancellationToken ct)
    {
        try
        {
            return await OplogNamespaceProbe.AnyMatchAsync(OplogOf(request, window, ct), filter, window.Scope, request.Limit, ct);
        }
        catch (Formats.CorruptDumpException e)
        {
            throw e.ToCorruptFile(); // the oplog cannot be read to its end: the replay could not be either
        }
    }

    /// <summary>Every entry the restore would replay: the base snapshot's own oplog, then the window's slices.</summary>
    private static async IAsyncEnumerable<byte[]> OplogOf(PointInTimeRestoreRequest request, RestoreWindow window, [EnumeratorCancellation] CancellationToken ct)
    {
        if (window.BaseSnapshot.Cluster is not null)
        {
            await using var cluster = new Cluster.ClusterOplogToMoment(request.Repository, window.BaseSnapshot, window.Slices, request.Restore.Encryption, ct);
            await foreach (var entry in cluster.Snapshot.Entries) yield return entry;
            await foreach (var entry in cluster.Slices(request.Limit).Entries) yield return entry;
            yield break;
        }
        var keys = request.Restore.Encryption;
        await using (var reader = await SnapshotDumpReader.OpenAsync(request.Repository, window.BaseSnapshot, SnapshotEncryption.Open(window.BaseSnapshot, keys), ct))
            await foreach (var entry in reader.ReadOplogAsync(ct))
                yield return entry;
        await foreach (var entry in SliceEntries.ReadAsync(request.Repository, window.Slices, keys, ct))
            yield return entry;
    }
}
