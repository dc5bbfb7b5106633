using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>
/// The one call a scheduler makes every few minutes: take the repository lease; take a full snapshot when one is
/// due, otherwise an oplog slice (of a replica set, or of a sharded cluster through its mongos: its full backups and
/// slices are those of Backup-MongoDatabase and Backup-MongoOplog given a mongos); apply retention when rules are given,
/// to the snapshots of the source it backs up only (<see cref="SourceOfAsync"/>: a repository shared by several replica
/// sets or clusters, each with its own policy and rules, never has one policy remove another's snapshots by its rules);
/// release the lease.
/// Calling it again at once does nothing new (the full is no longer due and the oplog has nothing new). When
/// another run holds the lease, it returns Skipped at once, naming that holder, rather than failing.
/// </summary>
public sealed class BackupPolicyRunner(IEngineObserver observer, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>
    /// Test seam, null outside tests: awaited by every run right after it took the lease, before it decides anything,
    /// with the repository's location and the run's token. A test that needs two runs to overlap (one holding the lease
    /// while the other asks for it) holds the winner here until the other has returned, instead of slowing the winner
    /// down with data and sleeps. Static because the cmdlets build their own runner; the module's Pester tests set it
    /// by reflection and clear it afterwards.
    /// </summary>
    internal static Func<string, CancellationToken, Task>? LeaseTakenForTests { get; set; }

    /// <summary>
    /// Takes the lease, decides (<see cref="PolicyDecision"/>), backs up, applies retention and releases the lease.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument (see <see cref="BackupPolicyRequest.Validate"/>), LeaseNotSupported
    /// (the repository cannot grant leases), LeaseLost (the lease was lost mid-run; the run stopped), or the backup's own error.</exception>
    public async Task<BackupPolicyResult> RunAsync(BackupPolicyRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var elapsed = Stopwatch.StartNew();
        var attempt = await RepositoryLeases.TryAcquireAsync(request.Repository, request.HolderId, request.LeaseDuration, ct, _clock).ConfigureAwait(false);
        if (attempt.Lease is not { } lease)
        {
            var reason = $"another run holds the repository lease ({attempt.HeldBy}, until {attempt.HeldUntil:u}); this run did nothing";
            observer.Verbose($"Skipped: {reason}.");
            return new BackupPolicyResult
            {
                Action = PolicyAction.Skipped, Reason = reason, Duration = elapsed.Elapsed,
                LeaseHeldBy = attempt.HeldBy, LeaseHeldUntil = attempt.HeldUntil,
            };
        }

        await using (lease.ConfigureAwait(false))
        {
            observer.Verbose($"Took the repository lease of {request.Repository.Location} as {lease.HolderId} until {lease.ExpiresAt:u}.");
            var keeper = new LeaseKeeper(lease, request.LeaseDuration, observer, ct, _clock);
            try
            {
                if (LeaseTakenForTests is { } hold) await hold(request.Repository.Location, keeper.Token).ConfigureAwait(false);
                var result = await RunUnderLeaseAsync(request, keeper.Token).ConfigureAwait(false);
                return result with { Duration = elapsed.Elapsed };
            }
            catch (OperationCanceledException) when (keeper.LostBecause is { } lost)
            {
                throw lost;
            }
            finally
            {
                await keeper.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// What a run would do now (for -WhatIf): the decision, the retention removals, and the refusal the run would meet (a
    /// cluster's due full backup with its balancer running without StopBalancer, as Backup-MongoDatabase -WhatIf says it;
    /// a key the repository's settings or the slice's encrypted chain refuse); without
    /// the lease, without writing, the balancer untouched.
    /// </summary>
    public static async Task<PolicyPreview> PreviewAsync(BackupPolicyRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        using var source = MongoConnection.Open(request.Connection);
        var topology = await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true).ConfigureAwait(false);
        var catalog = new SnapshotCatalog(request.Repository);
        var decision = await PolicyDecision.DecideAsync(catalog, topology, request.FullEvery, DateTimeOffset.UtcNow, ct, request.Filter).ConfigureAwait(false);
        var refusal = decision.Action == PolicyAction.Full && topology.Kind == TopologyKind.Sharded
            ? (await Cluster.ClusterBackupPlan.BuildAsync(source.Client, BackupOf(request), ct).ConfigureAwait(false)).BalancerRefusal
            : null;
        refusal ??= await KeyRefusalAsync(request, catalog, decision, topology, ct).ConfigureAwait(false);
        if (request.Retention is not { } rules) return new PolicyPreview(decision, [], refusal);
        var only = await SourceOfAsync(source, topology, ct).ConfigureAwait(false);
        var plan = await RetentionApplier.PlanAsync(catalog, rules, ct, only).ConfigureAwait(false);
        return new PolicyPreview(decision, plan.Removals.Select(d => d.SnapshotId).ToList(), refusal)
        {
            RetentionSource = only.ToString(), OtherSourcesKept = plan.OtherSources.Select(d => d.SnapshotId).ToList(),
        };
    }

    /// <summary>
    /// The refusal the run's backup or slice would meet from its key, judged as the run judges it before writing: the
    /// repository's settings, and for a slice its encrypted chain (the slice's own judgement, <see cref="SliceKey"/>).
    /// </summary>
    private static async Task<MongoBackupException?> KeyRefusalAsync(BackupPolicyRequest request, SnapshotCatalog catalog, PolicyDecision decision,
        ServerTopology topology, CancellationToken ct)
    {
        return decision.Action switch
        {
            PolicyAction.Full => await SnapshotKeys.RefusalForNewAsync(request.Encryption, catalog, "this full backup", null, ct).ConfigureAwait(false),
            PolicyAction.Slice => await SliceKey.RefusalAsync(SliceOf(request), catalog, topology, ct).ConfigureAwait(false),
            _ => null,
        };
    }

    /// <summary>
    /// The run's one connection and one catalog (listed once the lease is held, so no other policy run changes it
    /// meanwhile) serve the decision, the backup or slice, and retention; the snapshot the run writes is added to it.
    /// </summary>
    private async Task<BackupPolicyResult> RunUnderLeaseAsync(BackupPolicyRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        var catalog = new SnapshotCatalog(request.Repository);
        var topology = await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true).ConfigureAwait(false);
        var decision = await PolicyDecision.DecideAsync(catalog, topology, request.FullEvery, _clock.GetUtcNow(), ct, request.Filter).ConfigureAwait(false);
        observer.Verbose($"Policy: {decision.Action}, because {decision.Reason}.");

        var action = decision.Action;
        var reason = decision.Reason;
        SnapshotManifest? snapshot = null;
        switch (decision.Action)
        {
            case PolicyAction.Full:
                snapshot = await FullAsync(request, topology, source, catalog, ct).ConfigureAwait(false);
                break;
            case PolicyAction.Slice:
                snapshot = await SliceAsync(request, topology, source, catalog, ct).ConfigureAwait(false);
                if (snapshot is null)
                    (action, reason) = (PolicyAction.Nothing, $"{reason}, and the oplog holds nothing newer than {await ChainEndOfAsync(catalog, topology, ct).ConfigureAwait(false)}");
                break;
        }

        if (snapshot is not null) catalog.Committed(snapshot);
        if (request.Retention is not { } rules) return new BackupPolicyResult { Action = action, Snapshot = snapshot, Reason = reason };
        var only = await SourceOfAsync(source, topology, ct).ConfigureAwait(false);
        var outcome = await ApplyRetentionAsync(catalog, rules, only, ct).ConfigureAwait(false);
        return new BackupPolicyResult
        {
            Action = action, Snapshot = snapshot, Removed = outcome.Removed, Reason = reason, RetentionSource = only.ToString(),
            RestoreCoverage = outcome.Coverage.FirstOrDefault(),
        };
    }

    /// <summary>
    /// What a slice would have continued from, in words: the last slice, or before the chain's first slice the full
    /// snapshot it starts from (a first run after a full snapshot is not "after the last slice").
    /// </summary>
    private static async Task<string> ChainEndOfAsync(SnapshotCatalog catalog, ServerTopology topology, CancellationToken ct)
    {
        var chain = SliceChainEnd.ChainIn(await catalog.CompleteAsync(ct).ConfigureAwait(false), topology);
        if (chain.Any(s => s.Kind == SnapshotKind.Oplog)) return "the last slice";
        var full = chain.Where(s => s.Kind == SnapshotKind.Full).MaxBy(s => s.StartTime);
        return full is null ? "the full snapshot" : $"full snapshot {full.Id} (no slice yet)";
    }

    /// <summary>The full snapshot: of the cluster through its mongos (its balancer as <see cref="BackupPolicyRequest.StopBalancer"/> says), else of the replica set or standalone server.</summary>
    private Task<SnapshotManifest> FullAsync(BackupPolicyRequest request, ServerTopology topology, MongoConnection source, SnapshotCatalog catalog, CancellationToken ct)
    {
        var backup = BackupOf(request);
        return topology.Kind == TopologyKind.Sharded
            ? new Cluster.ClusterBackupRunner(observer).RunAsync(backup, source, catalog, ct)
            : new BackupRunner(observer).RunAsync(backup, source, catalog, ct);
    }

    private static BackupRequest BackupOf(BackupPolicyRequest request) => new()
    {
        Connection = request.Connection, Repository = request.Repository, Filter = request.Filter, Compression = request.Compression,
        CompressionLevel = request.CompressionLevel, Encryption = request.Encryption, Tags = request.Tags,
        ShardHostMap = request.ShardHostMap, StopBalancer = request.StopBalancer, IncludeUsersAndRoles = request.IncludeUsersAndRoles,
    };

    /// <summary>The oplog slice: every shard's to one new cut through the mongos, else the replica set's; null when nothing was written since the chain's end.</summary>
    private Task<SnapshotManifest?> SliceAsync(BackupPolicyRequest request, ServerTopology topology, MongoConnection source, SnapshotCatalog catalog, CancellationToken ct)
    {
        var slice = SliceOf(request);
        return topology.Kind == TopologyKind.Sharded
            ? new Cluster.ClusterSliceRunner(observer).RunAsync(slice, source, catalog, ct)
            : new OplogSliceRunner(observer).RunAsync(slice, source, catalog, ct);
    }

    private static OplogSliceRequest SliceOf(BackupPolicyRequest request) => new()
    {
        Connection = request.Connection, Repository = request.Repository, Compression = request.Compression, CompressionLevel = request.CompressionLevel,
        Encryption = request.Encryption, Tags = request.Tags, ShardHostMap = request.ShardHostMap,
    };

    /// <summary>
    /// The source the policy backs up, the one its retention reaches: the replica set's name and replicaSetId, a
    /// standalone, or the cluster behind the mongos by its clusterId (config.version, as its snapshots record it).
    /// An id the server does not tell (a user without the privilege) leaves every source of that name in reach, as the
    /// policy's chain takes them (<see cref="SliceChainEnd.ChainOf"/>).
    /// </summary>
    private static async Task<SourceIdentity> SourceOfAsync(MongoConnection source, ServerTopology topology, CancellationToken ct) =>
        topology.Kind == TopologyKind.Sharded
            ? new SourceIdentity(true, null, await Cluster.ClusterIdentity.ReadAsync(source.Client, ct).ConfigureAwait(false))
            : new SourceIdentity(false, topology.ReplicaSetName, topology.ReplicaSetId);

    private async Task<RetentionOutcome> ApplyRetentionAsync(SnapshotCatalog catalog, RetentionRules rules, SourceIdentity only, CancellationToken ct)
    {
        var plan = await RetentionApplier.PlanAsync(catalog, rules, ct, only).ConfigureAwait(false);
        var others = plan.OtherSources.Count();
        observer.Verbose($"Retention ({rules}) reaches the snapshots of {only} only" + (others == 0 ? "."
            : $": {others} snapshot(s) of other sources in {catalog.Repository.Location} are kept, for their own policy, or Invoke-MongoSnapshotRetention or Remove-MongoSnapshot, to decide on."));
        var removals = plan.Removals.Select(d => d.SnapshotId).ToList();
        return await new RetentionApplier(observer).ApplyAndReportAsync(catalog, removals, rules, ct).ConfigureAwait(false);
    }
}
