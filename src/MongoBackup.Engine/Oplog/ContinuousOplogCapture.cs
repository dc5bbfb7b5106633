using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Backup-MongoOplog -Continuous: keeps a tailable cursor on the oplog, closing a slice every interval or size,
/// until cancelled or its duration ends. No entry after the member's majority commit point is stored (<see cref="MajorityCommitPoint"/>):
/// the capture leaves the cursor at the first entry past it and waits for the point to reach that entry (asking again every
/// <see cref="ContinuousCaptureRequest.CommitPointPollInterval"/>, closing slices on time meanwhile), so a rollback never takes back what a slice holds. A lost connection or a restarted server is waited out and the cursor
/// reopened just after the last entry written, so nothing is missed or repeated; if the oplog rolled past that
/// entry meanwhile, the next slice records the gap (<see cref="CaptureReconnection"/>, which also refuses a server that does
/// not continue the capture). Each new slice is judged against the repository as it is then (<see cref="CaptureKeyCheck"/>): a key
/// rotation while the capture runs, or an encrypted full of its chain taken while it runs without a key, stops it, keeping what it wrote. A failure that is not the repository's keeps the open slice, closed with what it holds.
/// </summary>
public sealed class ContinuousOplogCapture(IEngineObserver observer)
{
    /// <summary>
    /// Captures until <paramref name="ct"/> is cancelled or <see cref="ContinuousCaptureRequest.Duration"/> ends, then closes
    /// the open slice; returns the slices committed, oldest first.
    /// </summary>
    /// <exception cref="MongoBackupException">NoOplog (a standalone server), NoBaseSnapshot (no full snapshot to continue
    /// from), or a repository error (RepositoryFull, RepositoryNotWritable, ...) that stops the capture.</exception>
    public async Task<IReadOnlyList<SnapshotManifest>> RunAsync(ContinuousCaptureRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Slice.Connection);
        return await RunAsync(request, source, ct);
    }

    /// <summary>The capture, through a run's open <paramref name="source"/> connection.</summary>
    internal async Task<IReadOnlyList<SnapshotManifest>> RunAsync(ContinuousCaptureRequest request, MongoConnection source, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (request.Duration is { } duration) stop.CancelAfter(duration);
        var client = source.Client;
        var topology = await ServerTopology.DiscoverAsync(client, ct);
        if (!topology.HasOplog)
            throw new MongoBackupException(ErrorIds.NoOplog, $"{request.Slice.Connection.DisplayName} is a standalone server: it has no oplog to capture.");
        if (topology.UnrecordedIdWarning(request.Slice.Connection.DisplayName, "Each slice of this capture") is { } unrecorded) observer.Warning(unrecorded);

        var closed = new List<SnapshotManifest>();
        // Listed once: the chain's end, then each slice's salt; each slice closed is added, so the next one shares its salt.
        var catalog = new SnapshotCatalog(request.Slice.Repository);
        var last = await SliceChainEnd.FindAsync(catalog, topology, observer, ct);
        // The last entry captured, which a reconnected server's oplog must hold: at first the chain's end, with its wall time.
        var chainEnd = (await catalog.CompleteAsync(ct)).FirstOrDefault(s => s.ConsistentAt?.Timestamp == last);
        var lastEntry = new StoredEntry(chainEnd?.ConsistentAt ?? new ConsistencyPoint(last, last.WallTime), null, chainEnd?.Id);
        var reconnection = new CaptureReconnection(client, request, topology, observer);
        // Null only between closing one slice and opening the next, so a Ctrl+C there never closes a slice twice.
        OpenSlice? slice = await StartSliceAsync(client, request, topology, catalog, last, ct);
        var position = OplogPosition.Resume(last, slice.Gap);
        var sliceClock = Stopwatch.StartNew();
        // The member's majority commit point as last asked: no entry after it is stored (MajorityCommitPoint).
        OplogTimestamp? commitPoint = null;
        // Set while the slice is written, closed or opened: a failure there is the repository's (an IOException from a
        // full disk among them), never a lost connection to wait out.
        var inRepository = false;

        async Task<bool> CommittedAsync(OplogTimestamp ts)
        {
            if (commitPoint >= ts) return true;
            commitPoint = await MajorityCommitPoint.ReadAsync(client, stop.Token);
            return commitPoint >= ts;
        }

        // Judges the key once a slice is committed (CaptureKeyCheck), the next slice refused by a rotation meanwhile. Not
        // cancellable, as the commit before it is not: a stop that comes while it runs never cuts it short, so a slice
        // just left under a key rotated meanwhile is always named.
        async Task JudgeKeyAfterCommitAsync()
        {
            if (await CaptureKeyCheck.RefusalAsync(request, topology, catalog, closed, observer.Warning, CancellationToken.None) is { } refused) throw refused;
        }

        // Closes the open slice once it is due and holds entries, then judges the key and opens the next one.
        async Task CloseWhenDueAsync()
        {
            var due = slice!.Bytes >= request.SliceSizeBytes || sliceClock.Elapsed >= request.SliceInterval;
            if (!due || slice.Entries == 0) return;
            inRepository = true;
            var full = slice;
            slice = null;
            var manifest = await CloseAsync(full, closed, catalog);
            observer.Verbose($"Oplog slice {manifest.Id}: {manifest.OplogEntries} {(manifest.OplogEntries == 1 ? "entry" : "entries")} up to {manifest.OplogEnd}.");
            await JudgeKeyAfterCommitAsync();
            slice = await OpenSlice.StartAsync(request.Slice, topology, catalog, manifest.OplogEnd!.Value, null, observer.Warning, ct);
            sliceClock.Restart();
            inRepository = false;
        }

        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var batches = 0;
                    // The first entry read that is not majority-committed yet: the cursor is left there, and reopened once the point reaches it.
                    OplogTimestamp? ahead = null;
                    await foreach (var batch in TailAsync(client, position, stop.Token))
                    {
                        batches++;
                        var appended = 0;
                        foreach (var entry in batch)
                            using (entry)
                            {
                                if (ahead is not null) continue;
                                var point = ConsistencyPoint.OfEntry(entry);
                                if (!await CommittedAsync(point.Timestamp))
                                {
                                    ahead = point.Timestamp;
                                    continue;
                                }
                                inRepository = true;
                                await slice!.AppendAsync(entry, point);
                                inRepository = false;
                                lastEntry = new StoredEntry(point, RawDocumentBytes.Sha256(entry), slice.Id);
                                last = point.Timestamp;
                                position = OplogPosition.After(last);
                                appended++;
                            }
                        if (appended > 0) observer.Debug($"Captured {appended} oplog entries into slice {slice!.Id}, up to {last}.");
                        await CloseWhenDueAsync();
                        if (ahead is not null) break;
                    }
                    if (ahead is { } next)
                    {
                        // Stored ahead of the point, the entry could be rolled back and the slice would hold a write the set no longer has.
                        observer.Debug($"Oplog entry {next} is not majority-committed yet: the capture waits for the majority commit point to reach {next} " +
                            $"(it is at {(commitPoint is { } c ? c.ToString() : "none reported")}) before storing it.");
                        while (!await CommittedAsync(next))
                        {
                            await CloseWhenDueAsync();
                            await Task.Delay(request.CommitPointPollInterval, stop.Token);
                        }
                    }
                    // A cursor the server closed at once (nothing to tail yet): don't spin.
                    else if (batches == 0) await Task.Delay(TimeSpan.FromMilliseconds(200), stop.Token);
                }
                catch (Exception e) when (!inRepository && ConnectionLoss.IsResumable(e) && !stop.IsCancellationRequested)
                {
                    observer.Warning($"Lost the connection to {request.Slice.Connection.DisplayName} ({e.GetType().Name}); reconnecting and resuming after {last}.");
                    commitPoint = null; // asked again of the member reached
                    if (await reconnection.ResumeAsync(lastEntry, stop.Token) is { } gap)
                    {
                        var before = slice!;
                        slice = null;
                        inRepository = true;
                        await CloseAsync(before, closed, catalog);
                        observer.Warning($"The oplog rolled past {last} while disconnected: writes up to {gap.To} are lost to point-in-time restore.");
                        await JudgeKeyAfterCommitAsync();
                        slice = await OpenSlice.StartAsync(request.Slice, topology, catalog, last, gap, observer.Warning, ct);
                        inRepository = false;
                        position = OplogPosition.Resume(last, gap);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // The duration ended.
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C or a SIGTERM: keep what was captured, below.
        }
        catch (Exception e) when (stop.IsCancellationRequested && !inRepository && e is not MongoBackupException)
        {
            // The cursor's read broken off by the stop, reported as the connection's failure rather than a cancel: still
            // a stop. Every entry appended before it is whole in the slice, which is kept below.
        }
        catch (Exception e)
        {
            if (inRepository)
            {
                // The slice's own writes failed: what it holds cannot be trusted whole.
                if (slice is not null) await slice.AbandonAsync();
                // The repository's refusal (a full disk) is named as a backup's is, not left to the cmdlet as an unexpected error.
                if (RepositoryWriteErrors.Describe(e, request.Slice.Repository.Location, "an oplog slice") is { } described) throw described;
                throw;
            }
            // Any other failure (the server gone, another set reached): every entry appended is whole, and may be nowhere else.
            await KeepAsync(slice, closed, catalog, request, topology, failing: true);
            if (e is MongoBackupException) throw;
            throw DriverErrors.Describe(e, client) ?? new MongoBackupException(ErrorIds.BackupFailed, $"The continuous oplog capture failed: {e.Message}", e);
        }

        await KeepAsync(slice, closed, catalog, request, topology, failing: false);
        return closed;
    }

    /// <summary>
    /// Closes and keeps the open slice when it holds entries (abandons it when empty). When the run is failing
    /// (<paramref name="failing"/>), a failure to keep it is a warning, never hiding the run's own error; otherwise it is the run's error.
    /// </summary>
    private async Task KeepAsync(OpenSlice? slice, List<SnapshotManifest> closed, SnapshotCatalog catalog, ContinuousCaptureRequest request,
        ServerTopology topology, bool failing)
    {
        if (slice is not { Entries: > 0 })
        {
            // Every slice committed before was judged whole after its commit (JudgeKeyAfterCommitAsync): nothing to judge again.
            if (slice is not null) await slice.AbandonAsync();
            return;
        }
        try { await CloseAsync(slice, closed, catalog); }
        catch (Exception e) when (failing)
        {
            observer.Warning($"Oplog slice {slice.Id} ({slice.Entries} entries up to {slice.Last}) could not be kept in {request.Slice.Repository.Location}: {e.Message}");
            return;
        }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, request.Slice.Repository.Location, $"oplog slice {slice.Id}") is { } described)
        {
            throw described;
        }
        await CaptureKeyCheck.WarnAfterLastAsync(request, topology, catalog, closed, observer.Warning);
    }

    private async Task<OpenSlice> StartSliceAsync(IMongoClient client, ContinuousCaptureRequest request, ServerTopology topology,
        SnapshotCatalog catalog, OplogTimestamp from, CancellationToken ct)
    {
        var oplog = new OplogSource(client);
        var gap = await oplog.RolledPastAsync(from, ct);
        await ChainContinuity.RequireAsync(oplog, from, gap, topology, catalog, ct);
        if (gap is not null)
            observer.Warning($"The oplog has rolled past the end of the last slice: writes between {gap.From.WallTime:u} and {gap.To.WallTime:u} are lost to point-in-time restore.");
        try { return await OpenSlice.StartAsync(request.Slice, topology, catalog, from, gap, observer.Warning, ct); }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, request.Slice.Repository.Location, "a new oplog slice") is { } described)
        {
            throw described;
        }
    }

    /// <summary>Commits a slice whole: not cancellable, so a Ctrl+C while it closes still leaves a complete slice.</summary>
    private static async Task<SnapshotManifest> CloseAsync(OpenSlice slice, List<SnapshotManifest> closed, SnapshotCatalog catalog)
    {
        var manifest = await slice.CloseAsync(CancellationToken.None);
        closed.Add(manifest);
        catalog.Committed(manifest);
        return manifest;
    }

    /// <summary>
    /// One tailable cursor's life: the batches of entries from <paramref name="from"/>, an empty one each time
    /// the server's await time passes with nothing new (so slices can close on time), until the cursor dies.
    /// </summary>
    private static async IAsyncEnumerable<IReadOnlyList<RawBsonDocument>> TailAsync(
        IMongoClient client, OplogPosition from, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var oplog = client.GetDatabase("local").GetCollection<RawBsonDocument>("oplog.rs");
        var options = new FindOptions<RawBsonDocument>
        {
            CursorType = CursorType.TailableAwait, MaxAwaitTime = TimeSpan.FromSeconds(1), NoCursorTimeout = true,
        };
        var filter = new BsonDocument("ts", new BsonDocument(from.Operator, from.Timestamp.ToBsonTimestamp()));
        using var cursor = await oplog.FindAsync(filter, options, ct);
        while (await cursor.MoveNextAsync(ct))
            yield return cursor.Current.ToList();
    }
}
