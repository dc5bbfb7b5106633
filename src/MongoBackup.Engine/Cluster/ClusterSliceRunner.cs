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
    /// <exception cref="MongoBackupException">NoBaseSnapshot (no full cluster snapshot to continue, the shards changed since, or another
    /// cluster's chain: <see cref="ClusterChainContinuity"/>), EncryptionKeyRequired or WrongEncryptionKey (the repository's settings
    /// or the chain refuse the key), the repository's and the shards' translated failures.</exception>
    /// <param name="commitWait">
    /// How long a shard's majority commit point may take to reach what the slice stores: the cut (<see cref="ClusterCut"/>)
    /// and the late commit entries past it (<see cref="PreparedAtCut"/>); their defaults when null. One setting, so a
    /// continuous capture waits on a lagging shard for one interval, whichever of the two it lags on.
    /// </param>
    internal async Task<SnapshotManifest?> RunAsync(OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct,
        TimeSpan? commitWait = null)
    {
        var started = DateTimeOffset.UtcNow;
        var chain = await CheckAsync(request, mongos, catalog, ct);
        var chainEnd = chain.End;

        var shards = new List<ShardOplog>();
        try
        {
            foreach (var target in chain.Shards) shards.Add(await ShardOplog.OpenAsync(target, ct));
            await ClusterChainContinuity.RequireShardsContinueAsync(shards, chain.Anchors, catalog.Repository.Location, ct);
            if (!(await Task.WhenAll(shards.Select(s => s.WroteAfterAsync(chainEnd, ct)))).Any(wrote => wrote))
            {
                observer.Verbose($"No shard wrote anything since the cluster's chain ended at {chainEnd} ({chainEnd.WallTime:u}): no slice written.");
                return null;
            }
            var gaps = await Task.WhenAll(shards.Select(s => s.RolledPastAsync(chainEnd, ct)));
            foreach (var (shard, gap) in shards.Zip(gaps).Where(p => p.Second is not null))
                observer.Warning($"The oplog of shard {shard.Target.Name} has rolled past the end of the last slice: its writes between {gap!.From.WallTime:u} and " +
                    $"{gap.To.WallTime:u} are lost, so no point-in-time restore of the cluster crosses them. Run Backup-MongoOplog more often or enlarge that shard's oplog.");
            var cut = await ClusterCut.ChooseAsync(mongos.Client, shards, ct, commitWait);
            return await WriteAsync(request, catalog, chain, started, shards, gaps, cut, commitWait, ct);
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
    /// What a slice needs before it reads any oplog: a chain of this cluster to continue, the shards of the snapshot it
    /// ends with, and a key the repository's settings and that chain admit (<see cref="SliceKey"/>, as a replica set's slice
    /// is judged), handed on to the slice.
    /// </summary>
    internal async Task<ClusterChain> CheckAsync(OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        var chain = await ChainAsync(request, mongos, catalog, ct);
        return chain with { Key = await SliceKey.AdmitAsync(request, catalog, chain.Topology, observer.Warning, ct) };
    }

    /// <summary>As <see cref="CheckAsync"/>, and every shard's oplog checked against the chain (a continuous capture's check before its first interval).</summary>
    /// <returns>The mongos's topology, whose chain the capture's later key checks judge.</returns>
    internal async Task<ServerTopology> CheckContinuesAsync(OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        var chain = await CheckAsync(request, mongos, catalog, ct);
        foreach (var target in chain.Shards)
        {
            using var shard = await ShardOplog.OpenAsync(target, ct);
            await ClusterChainContinuity.RequireShardsContinueAsync([shard], chain.Anchors, catalog.Repository.Location, ct);
        }
        return chain.Topology;
    }

    /// <summary>The chain the slice continues, of this cluster (<see cref="ClusterChainContinuity"/>), and the shards it reads; the key aside.</summary>
    private async Task<ClusterChain> ChainAsync(OplogSliceRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        var topology = await ServerTopology.DiscoverAsync(mongos.Client, ct, allowMongos: true);
        var chainEnd = await SliceChainEnd.FindAsync(catalog, topology, observer, ct);
        var targets = await ShardTarget.ListAsync(mongos.Client, request.Connection, request.ShardHostMap, ct);
        var (clusterId, anchors) = await ClusterChainContinuity.RequireSameClusterAsync(catalog, topology, chainEnd, mongos.Client,
            request.Connection.DisplayName, targets, ct);
        return new ClusterChain(topology, chainEnd, targets, clusterId, anchors);
    }

    /// <summary>
    /// What a slice taken now would hold (the -WhatIf dry run): the run's checks (this cluster's chain, each shard's
    /// oplog against it, the key as <see cref="SliceKey"/> judges it), the chain's end, the newest entry of any shard, a shard's gap.
    /// </summary>
    internal async Task<OplogSlicePlan> PlanAsync(OplogSliceRequest request, MongoConnection mongos, CancellationToken ct)
    {
        var catalog = new SnapshotCatalog(request.Repository);
        var chain = await ChainAsync(request, mongos, catalog, ct);
        var keyRefusal = await SliceKey.RefusalAsync(request, catalog, chain.Topology, ct);
        OplogTimestamp? newest = null;
        OplogGap? gap = null;
        foreach (var target in chain.Shards)
        {
            using var shard = await ShardOplog.OpenAsync(target, ct);
            await ClusterChainContinuity.RequireShardsContinueAsync([shard], chain.Anchors, catalog.Repository.Location, ct);
            if (await shard.WroteAfterAsync(chain.End, ct) && await shard.NewestAsync(ct) is var last && (newest is null || last > newest)) newest = last;
            gap ??= await shard.RolledPastAsync(chain.End, ct);
        }
        return new OplogSlicePlan(null, chain.End, newest, gap, keyRefusal);
    }

    private async Task<SnapshotManifest> WriteAsync(OplogSliceRequest request, SnapshotCatalog catalog, ClusterChain chain, DateTimeOffset started,
        List<ShardOplog> shards, OplogGap?[] gaps, ConsistencyPoint cut, TimeSpan? commitWait, CancellationToken ct)
    {
        var location = request.Repository.Location;
        // Encrypted as a replica set's slice is: every shard's part under the slice's one data key, in the same layout.
        var options = new NewSnapshotOptions(request.Compression, request.CompressionLevel, request.Encryption)
        {
            Ids = request.Ids, ChainOf = SliceChainEnd.ChainOf(chain.Topology), Admitted = chain.Key,
        };
        PendingSnapshot pending;
        try { pending = await PendingSnapshot.StartNewAsync(catalog, "oplog", started, options, observer.Warning, ct); }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, location, "a new oplog slice") is { } described) { throw described; }
        await using var _ = pending;
        try
        {
            var files = pending.Files!;
            var sections = await Task.WhenAll(shards.Select((s, i) => s.SaveAsync(files.InFolder(s.Target.Name), s.Target.Name, chain.End, gaps[i], cut.Timestamp, observer, ct, commitWait)));
            var manifest = ClusterSliceManifest.New(request, pending.Id, chain.Topology, started, chain.End, cut, sections.ToList(), files.Level);
            manifest.Cluster!.ClusterId = chain.ClusterId;
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
}

/// <summary>
/// The chain a cluster slice continues: the cluster, where its chain ends, the shards it reads, the cluster's id
/// (config.version; null when unreadable), each shard's anchor (<see cref="ClusterChainContinuity"/>), and once
/// judged, the key the slice is written under.
/// </summary>
internal sealed record ClusterChain(ServerTopology Topology, OplogTimestamp End, IReadOnlyList<ShardTarget> Shards, string? ClusterId,
    IReadOnlyList<ShardAnchor> Anchors, AdmittedKey? Key = null);
