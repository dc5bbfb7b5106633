using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// An oplog slice of a sharded cluster, through its mongos: one snapshot holding every shard's oplog from where the
/// cluster's chain ends (the cut of its newest cluster slice, or of the full cluster snapshot it continues; see
/// <see cref="SliceChainEnd"/>) up to and including a new cut T chosen as a full backup chooses it (<see cref="ClusterCut"/>),
/// each shard's part in a folder of its own read directly from its replica set. A shard whose oplog rolled past the
/// chain's end records its gap (named in a warning); the slice's own gap then spans them all, so no restore window
/// crosses it. A shard added or removed since the snapshot the chain ends with refuses the slice: only a new full
/// backup can start a chain for it.
/// </summary>
public sealed class ClusterSliceRunner(IEngineObserver observer)
{
    /// <summary>The new slice through <paramref name="mongos"/>, or null when no shard wrote anything since the chain's end.</summary>
    /// <exception cref="MongoBackupException">NoBaseSnapshot (no full cluster snapshot to continue, or the shards changed since),
    /// EncryptionKeyRequired or WrongEncryptionKey (the repository's settings refuse the key), the repository's and the shards' translated failures.</exception>
    internal async Task<SnapshotManifest?> RunAsync(OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var (topology, chainEnd, targets) = await CheckAsync(request, mongos, catalog, ct);

        var shards = new List<ShardOplog>();
        try
        {
            foreach (var target in targets) shards.Add(await ShardOplog.OpenAsync(target, ct));
            if (!(await Task.WhenAll(shards.Select(s => s.WroteAfterAsync(chainEnd, ct)))).Any(wrote => wrote))
            {
                observer.Verbose($"No shard wrote anything since the cluster's chain ended at {chainEnd} ({chainEnd.WallTime:u}): no slice written.");
                return null;
            }
            var gaps = await Task.WhenAll(shards.Select(s => s.RolledPastAsync(chainEnd, ct)));
            foreach (var (shard, gap) in shards.Zip(gaps).Where(p => p.Second is not null))
                observer.Warning($"The oplog of shard {shard.Target.Name} has rolled past the end of the last slice: its writes between {gap!.From.WallTime:u} and " +
                    $"{gap.To.WallTime:u} are lost, so no point-in-time restore of the cluster crosses them. Run Backup-MongoOplog more often or enlarge that shard's oplog.");
            var cut = await ClusterCut.ChooseAsync(mongos.Client, shards, ct);
            return await WriteAsync(request, catalog, topology, started, chainEnd, shards, gaps, cut, ct);
        }
        catch (Exception e) when (e is not (MongoBackupException or OperationCanceledException) && DriverErrors.Describe(e, mongos.Client) is { } described)
        {
            throw described;
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
    }

    /// <summary>
    /// What a slice needs before it reads any oplog: a chain to continue, the shards of the snapshot it ends with, and a
    /// key the repository's settings and that chain admit (as a replica set's slice is refused, <see cref="SnapshotKeys"/>).
    /// </summary>
    internal async Task<(ServerTopology Topology, OplogTimestamp ChainEnd, IReadOnlyList<ShardTarget> Shards)> CheckAsync(
        OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        var chain = await ChainAsync(request, mongos, catalog, ct);
        // Without a key, a chain whose base snapshot is encrypted refuses the slice too (UnencryptedChainCheck).
        await SnapshotKeys.KeyEncryptionKeyForNewAsync(request.Encryption, catalog, "a new oplog slice", SliceChainEnd.ChainOf(chain.Topology),
            observer.Warning, ct);
        return chain;
    }

    /// <summary>The chain the slice continues and the shards it reads, the key aside (a dry run, as a replica set's, does not judge it).</summary>
    private async Task<(ServerTopology Topology, OplogTimestamp ChainEnd, IReadOnlyList<ShardTarget> Shards)> ChainAsync(
        OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        var topology = await ServerTopology.DiscoverAsync(mongos.Client, ct, allowMongos: true);
        var chainEnd = await SliceChainEnd.FindAsync(catalog, topology, observer, ct);
        var targets = await ShardTarget.ListAsync(mongos.Client, request.Connection, request.ShardHostMap, ct);
        RequireSameShards(await catalog.CompleteAsync(ct), chainEnd, targets, catalog.Repository.Location);
        return (topology, chainEnd, targets);
    }

    /// <summary>What a slice taken now would hold (the -WhatIf dry run): the chain's end, the newest entry of any shard, a shard's gap.</summary>
    internal async Task<OplogSlicePlan> PlanAsync(OplogSliceRequest request, MongoConnection mongos, CancellationToken ct)
    {
        var (_, chainEnd, targets) = await ChainAsync(request, mongos, new SnapshotCatalog(request.Repository), ct);
        OplogTimestamp? newest = null;
        OplogGap? gap = null;
        foreach (var target in targets)
        {
            using var shard = await ShardOplog.OpenAsync(target, ct);
            if (await shard.WroteAfterAsync(chainEnd, ct) && await shard.NewestAsync(ct) is var last && (newest is null || last > newest)) newest = last;
            gap ??= await shard.RolledPastAsync(chainEnd, ct);
        }
        return new OplogSlicePlan(null, chainEnd, newest, gap);
    }

    private async Task<SnapshotManifest> WriteAsync(OplogSliceRequest request, SnapshotCatalog catalog, ServerTopology topology, DateTimeOffset started,
        OplogTimestamp chainEnd, List<ShardOplog> shards, OplogGap?[] gaps, ConsistencyPoint cut, CancellationToken ct)
    {
        var location = request.Repository.Location;
        // Encrypted as a replica set's slice is: every shard's part under the slice's one data key, in the same layout.
        var options = new NewSnapshotOptions(request.Compression, request.CompressionLevel, request.Encryption)
        {
            Ids = request.Ids, ChainOf = SliceChainEnd.ChainOf(topology),
        };
        PendingSnapshot pending;
        try { pending = await PendingSnapshot.StartNewAsync(catalog, "oplog", started, options, observer.Warning, ct); }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, location, "a new oplog slice") is { } described) { throw described; }
        await using var _ = pending;
        try
        {
            var files = pending.Files!;
            var sections = await Task.WhenAll(shards.Select((s, i) => s.SaveAsync(files.InFolder(s.Target.Name), s.Target.Name, chainEnd, gaps[i], cut.Timestamp, ct)));
            var manifest = ClusterSliceManifest.New(request, pending.Id, topology, started, chainEnd, cut, sections.ToList(), files.Level);
            await pending.CommitAsync(manifest, ct);
            observer.Verbose($"Cluster oplog slice {pending.Id}: {string.Join(", ", sections.Select(s => $"{s.Name} {s.OplogEntries} entries"))}, up to the cut {cut.Timestamp}.");
            return manifest;
        }
        catch (Exception e)
        {
            var removed = await pending.AbandonAsync();
            if (e is OperationCanceledException && ct.IsCancellationRequested)
                observer.Warning($"Stopped: cluster oplog slice {pending.Id} was not finished{(removed ? $" and was removed from {location}" : "")}: nothing was kept. The next run saves the same entries.");
            if (e is OperationCanceledException or MongoBackupException) throw;
            throw RepositoryWriteErrors.Describe(e, location, $"oplog slice {pending.Id}")
                ?? new MongoBackupException(ErrorIds.BackupFailed, $"The cluster's oplog backup failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// The cluster's shards must be those of the snapshot its chain ends with: a shard added since has no full copy to
    /// continue (its data came by migrations, which a replay leaves out), and one removed would leave its part unsaved.
    /// </summary>
    private static void RequireSameShards(IReadOnlyList<SnapshotManifest> snapshots, OplogTimestamp chainEnd, IReadOnlyList<ShardTarget> targets, string location)
    {
        // Slices as well as fulls (the chain may end at either), so not SnapshotManifest.IsChainFull: only copy-only fulls are left out.
        var last = snapshots.Where(s => s.Cluster is not null && s.CopyOnly == false)
            .FirstOrDefault(s => (s.Kind == SnapshotKind.Oplog ? s.OplogEnd : s.ConsistentAt?.Timestamp) == chainEnd);
        if (last is null) return;
        var before = last.Cluster!.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var now = targets.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var added = now.Except(before).FirstOrDefault();
        var gone = before.Except(now).FirstOrDefault();
        if (added is null && gone is null) return;
        throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
            (added is not null ? $"Shard {added} joined the cluster after snapshot {last.Id}, where its chain in {location} ends: it has no full copy to continue from."
                : $"Shard {gone} of snapshot {last.Id}, where the cluster's chain in {location} ends, is no longer in the cluster (listShards).") +
            " Take a new full backup of the cluster (Backup-MongoDatabase), which starts a new chain.", target: added ?? gone);
    }
}
