using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Backup-MongoOplog's run: an oplog slice (once, continuously, or planned) of whatever the connection reaches, a
/// sharded cluster through its mongos (<see cref="ClusterSliceRunner"/>, <see cref="ClusterContinuousCapture"/>) or a
/// replica set (<see cref="OplogSliceRunner"/>, <see cref="ContinuousOplogCapture"/>), on one connection.
/// </summary>
public sealed class OplogBackup(IEngineObserver observer)
{
    /// <summary>One slice; null when nothing was written since the chain's end.</summary>
    /// <exception cref="MongoBackupException">As the replica-set or cluster slice raises them (NoOplog, NoBaseSnapshot, ...).</exception>
    public async Task<SnapshotManifest?> RunAsync(OplogSliceRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        var catalog = new SnapshotCatalog(request.Repository);
        return await IsClusterAsync(source, ct)
            ? await new ClusterSliceRunner(observer).RunAsync(request, source, catalog, ct)
            : await new OplogSliceRunner(observer).RunAsync(request, source, catalog, ct);
    }

    /// <summary>Slices until the duration ends or <paramref name="ct"/> is cancelled; the slices committed, oldest first.</summary>
    public async Task<IReadOnlyList<SnapshotManifest>> RunContinuousAsync(ContinuousCaptureRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Slice.Connection);
        return await IsClusterAsync(source, ct)
            ? await new ClusterContinuousCapture(observer).RunAsync(request, source, ct)
            : await new ContinuousOplogCapture(observer).RunAsync(request, source, ct);
    }

    /// <summary>What a slice taken now would hold, writing nothing (the -WhatIf dry run).</summary>
    public async Task<OplogSlicePlan> PlanAsync(OplogSliceRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        return await IsClusterAsync(source, ct)
            ? await new ClusterSliceRunner(observer).PlanAsync(request, source, ct)
            : await OplogSliceRunner.PlanAsync(request, observer, ct);
    }

    private static async Task<bool> IsClusterAsync(MongoConnection source, CancellationToken ct) =>
        (await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true)).Kind == TopologyKind.Sharded;
}
