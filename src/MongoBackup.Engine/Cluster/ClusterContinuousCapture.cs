using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Backup-MongoOplog -Continuous given a mongos: a cluster slice (<see cref="ClusterSliceRunner"/>) every slice interval,
/// each continuing the one before, and a last one when the duration ends or the run is stopped, so what the shards
/// wrote up to then is kept. Each slice reads every shard's oplog since the previous cut, so nothing between two is
/// missed as long as the shards' oplogs hold an interval's writes (a shard that rolled past records its gap). A lost
/// connection is a warning, and the next interval tries again from the same cut, for as long as
/// <see cref="ContinuousCaptureRequest.ReconnectTimeout"/> allows, as a replica set's capture waits its server out; then the
/// capture stops with ServerUnreachable, keeping the slices committed. The slice size is not watched: a cluster's slices
/// close on time only. Each slice's key is judged against the chain as it is then (<see cref="CaptureKeyCheck"/>). A cut that a
/// shard has not majority-committed within an interval (<see cref="CommitPointBehindException"/>) writes no slice: a warning,
/// and the next interval cuts again, so no slice holds what a shard's rollback could take back.
/// </summary>
public sealed class ClusterContinuousCapture(IEngineObserver observer)
{
    /// <summary>Slices until <paramref name="ct"/> is cancelled or the duration ends; the slices committed, oldest first.</summary>
    /// <exception cref="MongoBackupException">As <see cref="ClusterSliceRunner"/>: NoBaseSnapshot, EncryptionKeyRequired, WrongEncryptionKey, a repository error.</exception>
    internal async Task<IReadOnlyList<SnapshotManifest>> RunAsync(ContinuousCaptureRequest request, MongoConnection mongos, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (request.Duration is { } duration) stop.CancelAfter(duration);
        var catalog = new SnapshotCatalog(request.Slice.Repository);
        var runner = new ClusterSliceRunner(observer);
        var closed = new List<SnapshotManifest>();
        // Refused at once (no chain to continue, another cluster's chain, a key the repository's settings refuse), not an interval later.
        var topology = await runner.CheckContinuesAsync(request.Slice, mongos, catalog, ct);
        observer.Debug($"Capturing the cluster: a slice every {request.SliceInterval}, and a last one at the stop.");
        System.Diagnostics.Stopwatch? lost = null; // since the first of the failed attempts in a row
        while (!stop.IsCancellationRequested)
        {
            try { await Task.Delay(request.SliceInterval, stop.Token); }
            catch (OperationCanceledException) { break; }
            try
            {
                await SliceAsync(runner, request, mongos, topology, catalog, closed, ct);
                lost = null;
            }
            catch (Exception e) when (CaptureReconnection.Unreachable(e) && !ct.IsCancellationRequested)
            {
                lost ??= System.Diagnostics.Stopwatch.StartNew();
                if (lost.Elapsed >= request.ReconnectTimeout) throw GaveUp(request, lost.Elapsed, e, closed.Count);
                observer.Warning($"Lost the connection to {request.Slice.Connection.DisplayName} or a shard ({e.GetType().Name}); the next slice continues from the same cut.");
            }
            catch (CommitPointBehindException behind)
            {
                // Nothing written: the next interval cuts again, from the same chain end, once the shard has caught up.
                observer.Warning($"{behind.Message.Replace("nothing was kept", "no slice was written this interval", StringComparison.Ordinal)} The next interval tries again.");
            }
            catch (UndecidedTransactionException undecided)
            {
                // Waited one interval for its coordinator: nothing written, and the next interval cuts again, as for a lagging shard.
                observer.Warning($"{undecided.Message.Replace("Nothing was kept; run the backup again once its coordinator has decided it.", "No slice was written this interval;", StringComparison.Ordinal)} The next interval tries again.");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break; // stopped during a slice: it was removed; the last one below takes its entries
            }
        }
        // Not cancellable: a stop keeps what the shards wrote up to it, as a replica set's capture closes its open slice,
        // when every shard has majority-committed it; what is not committed yet is left for the next capture or slice.
        try { await SliceAsync(runner, request, mongos, topology, catalog, closed, CancellationToken.None); }
        catch (MongoBackupException behind) when (behind is CommitPointBehindException or UndecidedTransactionException)
        {
            observer.Warning($"{behind.Message} The writes since the last slice are left for the next Backup-MongoOplog.");
        }
        return closed;
    }

    /// <summary>
    /// One slice, its key first judged against the chain as it is now (<see cref="CaptureKeyCheck"/>, the repository listed again):
    /// an encrypted full of the chain taken while a capture without a key runs, or a key rotation, stops the capture before it
    /// writes a slice the chain no longer takes, as a replica set's capture stops before opening one.
    /// </summary>
    private async Task SliceAsync(ClusterSliceRunner runner, ContinuousCaptureRequest request, MongoConnection mongos, ServerTopology topology,
        SnapshotCatalog catalog, List<SnapshotManifest> closed, CancellationToken ct)
    {
        if (await CaptureKeyCheck.RefusalAsync(request, topology, catalog, closed, observer.Warning, ct) is { } refused) throw refused;
        // The shards' commit points are waited on for one interval at most (ClusterCut): a lagging shard costs an interval, not the capture.
        if (await runner.RunAsync(request.Slice, mongos, catalog, ct, request.SliceInterval) is not { } manifest) return;
        closed.Add(manifest);
        catalog.Committed(manifest);
    }

    private static MongoBackupException GaveUp(ContinuousCaptureRequest request, TimeSpan lost, Exception e, int kept)
    {
        var reason = e.Message.Split('\n')[0].TrimEnd();
        return new MongoBackupException(ErrorIds.ServerUnreachable,
            $"{request.Slice.Connection.DisplayName} or a shard could not be reached for {lost:hh\\:mm\\:ss} (more than the {request.ReconnectTimeout:hh\\:mm\\:ss} " +
            $"a continuous capture waits): {reason}{(reason.EndsWith('.') ? "" : ".")} The {kept} slice(s) committed before are kept; start the capture again once the cluster is back.",
            e, request.Slice.Connection.DisplayName);
    }
}
