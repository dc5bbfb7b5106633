using System.Runtime.CompilerServices;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Saves one oplog slice: every entry after the point where the repository's chain ends (see
/// <see cref="SliceChainEnd"/>) up to the newest entry now that is majority-committed (<see cref="MajorityCommitPoint"/>):
/// an entry after that point may still be rolled back. Meant to run from a
/// scheduler every few minutes. When the server's oplog has already rolled past the chain's end, the slice
/// records the lost span as a gap and a warning says so.
/// </summary>
public sealed class OplogSliceRunner(IEngineObserver observer)
{
    /// <summary>The new slice, or null when the oplog holds nothing newer than the chain's end.</summary>
    public async Task<SnapshotManifest?> RunAsync(OplogSliceRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        return await RunAsync(request, source, new SnapshotCatalog(request.Repository), ct);
    }

    /// <summary>The slice, through a run's open <paramref name="source"/> connection and its <paramref name="catalog"/> (where the chain ends, the salt).</summary>
    internal async Task<SnapshotManifest?> RunAsync(OplogSliceRequest request, MongoConnection source, SnapshotCatalog catalog, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var client = source.Client;
        var topology = await ReplicaSetAsync(client, request, ct);
        if (topology.UnrecordedIdWarning(request.Connection.DisplayName, "The slice") is { } unrecorded) observer.Warning(unrecorded);

        var chainEnd = await SliceChainEnd.FindAsync(catalog, topology, observer, ct);
        observer.Debug($"The chain of replica set '{topology.ReplicaSetName}' in {request.Repository.Location} ends at {chainEnd} ({chainEnd.WallTime:u}); reading with read preference {request.Connection.ReadPreference}.");
        // The key is judged before "nothing new": a wrong key (or none) the settings or the chain refuse is refused
        // whether or not the oplog moved, so a misconfigured scheduled job fails on its first run, not its first busy one.
        // Handed on to the slice, which then neither reads the settings nor derives the key again.
        var key = await SliceKey.AdmitAsync(request, catalog, topology, observer.Warning, ct);
        var oplog = new OplogSource(client);
        var newest = await oplog.NewestAsync(ct);
        // Nothing after the majority commit point is stored: a rollback may still undo it (MajorityCommitPoint).
        var committed = await MajorityCommitPoint.ReadAsync(client, ct);
        if (MajorityCommitPoint.Bound(newest, committed) is not { } upTo || upTo <= chainEnd)
        {
            if (newest is { } n && n > chainEnd)
                observer.Warning($"The oplog of {topology.ReplicaSetName} holds entries up to {n} ({n.WallTime:u}), but none after the end of the chain ({chainEnd}) " +
                    $"is majority-committed yet (the set's majority commit point is {(committed is { } c ? c.ToString() : "not reported")}): no slice written, as a rollback " +
                    "could still undo them. Check that a majority of the set's members are up and replicating; the next run takes them once they are committed.");
            else
                observer.Verbose($"Nothing new in the oplog since {chainEnd} ({chainEnd.WallTime:u}): no slice written.");
            return null;
        }
        if (newest is { } all && all > upTo)
            observer.Verbose($"The slice ends at the majority commit point {upTo}: the entries after it, up to {all}, are not majority-committed yet and are left for the next slice.");

        var gap = await oplog.RolledPastAsync(chainEnd, ct);
        await ChainContinuity.RequireAsync(oplog, chainEnd, gap, topology, catalog, ct);
        if (gap is not null)
            observer.Warning($"The oplog of {topology.ReplicaSetName} has rolled past the end of the last slice: writes between {gap.From.WallTime:u} and {gap.To.WallTime:u} are lost to point-in-time restore. Run Backup-MongoOplog more often or enlarge the oplog.");

        var options = new NewSnapshotOptions(request.Compression, request.CompressionLevel, request.Encryption) { Ids = request.Ids, ChainOf = SliceChainEnd.ChainOf(topology), Admitted = key };
        PendingSnapshot pending;
        try { pending = await PendingSnapshot.StartNewAsync(catalog, "oplog", started, options, observer.Warning, ct); }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, request.Repository.Location, "a new oplog slice") is { } described) { throw described; }
        await using var _ = pending;
        var id = pending.Id;
        var files = pending.Files!;
        try
        {
            var range = new EntryRange();
            var (entries, bytes) = await RawDocumentFileWriter.WriteAsync(
                files, DumpLayout.OplogFile(request.Compression), Track(oplog.ReadRangeAsync(OplogPosition.Resume(chainEnd, gap), upTo, ct), range, ct), ct);
            var manifest = new SnapshotManifest
            {
                Id = id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete, ToolVersion = EngineVersion.Current,
                Source = topology.ToSnapshotSource(),
                StartTime = started, EndTime = DateTimeOffset.UtcNow,
                PreviousSliceEnd = chainEnd, OplogStart = range.First, OplogEnd = range.Last ?? upTo,
                ConsistentAt = range.LastPoint ?? new ConsistencyPoint(upTo, upTo.WallTime),
                PointInTimeConsistent = gap is null, OplogEntries = entries, Gap = gap,
                Compression = request.Compression, CompressionLevel = files.Level,
                Tags = new Dictionary<string, string>(request.Tags, StringComparer.Ordinal),
            };
            await pending.CommitAsync(manifest, ct);
            observer.Verbose($"Oplog slice {id}: {entries} {(entries == 1 ? "entry" : "entries")} ({bytes} bytes) from {manifest.OplogStart} to {manifest.OplogEnd}.");
            return manifest;
        }
        catch (Exception e)
        {
            var removed = await pending.AbandonAsync();
            if (e is OperationCanceledException && ct.IsCancellationRequested)
                observer.Warning($"Stopped: oplog slice {id} was not finished{(removed ? $" and was removed from {request.Repository.Location}" : "")}: nothing was kept. The next run saves the same entries.");
            if (e is OperationCanceledException or MongoBackupException) throw;
            throw RepositoryWriteErrors.Describe(e, request.Repository.Location, $"oplog slice {id}") ?? DriverErrors.Describe(e, client)
                ?? new MongoBackupException(ErrorIds.BackupFailed, $"The oplog backup failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// What a run would save now, without writing (the -WhatIf dry run): it checks what the run checks (a replica set,
    /// a chain to continue, a warning when no restore can reach it, the key as <see cref="SliceKey"/> judges it) and reads
    /// the chain's end and the oplog's newest and oldest entries.
    /// </summary>
    public static async Task<OplogSlicePlan> PlanAsync(OplogSliceRequest request, IEngineObserver observer, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        var topology = await ReplicaSetAsync(source.Client, request, ct);
        var catalog = new SnapshotCatalog(request.Repository);
        var chainEnd = await SliceChainEnd.FindAsync(catalog, topology, observer, ct);
        var keyRefusal = await SliceKey.RefusalAsync(request, catalog, topology, ct);
        var oplog = new OplogSource(source.Client);
        var newest = MajorityCommitPoint.Bound(await oplog.NewestAsync(ct), await MajorityCommitPoint.ReadAsync(source.Client, ct));
        return new OplogSlicePlan(topology.ReplicaSetName, chainEnd, newest is { } n && n > chainEnd ? n : (OplogTimestamp?)null,
            await oplog.RolledPastAsync(chainEnd, ct), keyRefusal);
    }

    /// <summary>The source's topology; a standalone server, which has no oplog, is refused.</summary>
    private static async Task<ServerTopology> ReplicaSetAsync(IMongoClient client, OplogSliceRequest request, CancellationToken ct)
    {
        var topology = await ServerTopology.DiscoverAsync(client, ct);
        return topology.HasOplog ? topology : throw new MongoBackupException(ErrorIds.NoOplog,
            $"{request.Connection.DisplayName} is a standalone server: it has no oplog to back up. Oplog backups need a replica set (a single-node one will do).");
    }

    private sealed class EntryRange
    {
        public OplogTimestamp? First { get; set; }
        public OplogTimestamp? Last => LastPoint?.Timestamp;
        public ConsistencyPoint? LastPoint { get; set; }
    }

    private static async IAsyncEnumerable<RawBsonDocument> Track(
        IAsyncEnumerable<RawBsonDocument> entries, EntryRange range, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var entry in entries.WithCancellation(ct))
        {
            var point = ConsistencyPoint.OfEntry(entry);
            range.First ??= point.Timestamp;
            range.LastPoint = point;
            yield return entry;
        }
    }
}

/// <summary>
/// What a slice taken now would hold: the entries after <see cref="ChainEnd"/> up to <see cref="Newest"/>, the newest
/// majority-committed entry (null: nothing new), the span lost when the oplog rolled past the chain's end, and the refusal the run would meet from its key
/// (<see cref="SliceKey"/>; null when the key is admitted).
/// </summary>
public sealed record OplogSlicePlan(string? ReplicaSetName, OplogTimestamp ChainEnd, OplogTimestamp? Newest, OplogGap? Gap,
    MongoBackupException? KeyRefusal = null);
