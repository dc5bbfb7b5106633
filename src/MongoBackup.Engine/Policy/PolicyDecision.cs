using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>
/// Whether a run owes a full snapshot or an oplog slice. Only a full that takes everything the policy backs up counts:
/// a copy-only snapshot never stands in for one, nor does one of some databases for a policy of all of them (a policy
/// given -Database takes only those, and a full of them counts). A full is due when no such complete full of this
/// source exists, when the newest one started at least FullEvery ago (start time, so a long backup does
/// not push the schedule later), or when the oplog slice chain is broken after it (slices missing, or the oplog rolled
/// over before it was saved): no restore reaches past the break until a new full is taken. Otherwise a replica set
/// or a sharded cluster (through its mongos: its cluster snapshots alone count, as its chain is theirs, see
/// <see cref="SliceChainEnd"/>) gets a slice; a standalone, which has no oplog, gets nothing.
/// </summary>
public sealed record PolicyDecision(PolicyAction Action, string Reason)
{
    /// <param name="scope">What the policy backs up (its -Database, -Collection and exclusions); every database when null.</param>
    public static Task<PolicyDecision> DecideAsync(
        ISnapshotRepository repository, ServerTopology topology, TimeSpan fullEvery, DateTimeOffset now, CancellationToken ct,
        NamespaceFilter? scope = null) =>
        DecideAsync(new SnapshotCatalog(repository), topology, fullEvery, now, ct, scope);

    /// <summary>The decision, judged from the run's <paramref name="catalog"/>.</summary>
    /// <param name="scope">What the policy backs up (its -Database, -Collection and exclusions); every database when null.</param>
    public static async Task<PolicyDecision> DecideAsync(
        SnapshotCatalog catalog, ServerTopology topology, TimeSpan fullEvery, DateTimeOffset now, CancellationToken ct,
        NamespaceFilter? scope = null)
    {
        scope ??= NamespaceFilter.Everything;
        var repository = catalog.Repository;
        var snapshots = SliceChainEnd.ChainIn(await catalog.CompleteAsync(ct).ConfigureAwait(false), topology);
        // No consistency point needed, unlike a window's base: a standalone's fulls (which have none) set its schedule too.
        var newestFull = snapshots.Where(s => s.IsChainFull && ScopeCoverage.Covers(s.EffectiveScope, scope))
            .MaxBy(s => s.StartTime);
        if (newestFull is null)
            return new PolicyDecision(PolicyAction.Full, ScopeCoverage.IsUnfiltered(scope)
                ? $"{repository.Location} holds no complete full snapshot of all databases of {Describe(topology)} (copy-only and partial ones do not count)"
                : $"{repository.Location} holds no complete full snapshot of {Describe(topology)} that takes {SnapshotScope.From(scope)} (copy-only ones, and those of less, do not count)");
        var age = now - newestFull.StartTime;
        if (age >= fullEvery)
            return new PolicyDecision(PolicyAction.Full, $"the newest full snapshot, {newestFull.Id}, started {Round(age)} ago (full every {fullEvery})");
        if (BreakAfter(newestFull, snapshots) is { } gap)
            return new PolicyDecision(PolicyAction.Full, $"the oplog slice chain is broken after the newest full snapshot, {newestFull.Id}: {gap}; no restore reaches past it until a new full snapshot is taken");
        var nextFull = newestFull.StartTime + fullEvery;
        return topology.HasOplog || topology.Kind == TopologyKind.Sharded
            ? new PolicyDecision(PolicyAction.Slice, $"the next full snapshot is due at {nextFull:u}; until then the oplog is saved in slices")
            : new PolicyDecision(PolicyAction.Nothing, $"the next full snapshot is due at {nextFull:u}, and a standalone server has no oplog to save in between");
    }

    /// <summary>A break in the slice chain after the full snapshot's consistency point, if there is one.</summary>
    private static ChainBreak? BreakAfter(SnapshotManifest full, List<SnapshotManifest> snapshots)
    {
        if (full.ConsistentAt is not { } point) return null;
        var chain = OplogChain.Build(snapshots.Where(s => s.Kind == SnapshotKind.Oplog), RestoreWindows.Bases(snapshots));
        return chain.Breaks.FirstOrDefault(b => b.To > point.Timestamp);
    }

    private static string Describe(ServerTopology topology) =>
        topology.Kind == TopologyKind.Sharded ? "the sharded cluster"
        : topology.ReplicaSetName is { } name ? $"replica set '{name}'" : "this standalone server";

    private static TimeSpan Round(TimeSpan span) => TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
}

/// <summary>What a policy run would do now (its -WhatIf): <paramref name="Decision"/>, the snapshots retention would remove, and the refusal the run would meet, or null.</summary>
/// <param name="Decision">Full, Slice or Nothing, and why.</param>
/// <param name="Removals">The ids retention would remove.</param>
/// <param name="Refusal">BalancerRunning when a cluster's full backup is due while its balancer runs without StopBalancer; EncryptionKeyRequired or
/// WrongEncryptionKey when the repository's settings refuse the key, or a slice without a key would continue an encrypted chain; null otherwise.</param>
public sealed record PolicyPreview(PolicyDecision Decision, IReadOnlyList<string> Removals, MongoBackupException? Refusal)
{
    /// <summary>The one source retention reaches (the one the policy backs up), in words; null without retention rules.</summary>
    public string? RetentionSource { get; init; }

    /// <summary>The ids of other sources' snapshots retention keeps, as it reaches only <see cref="RetentionSource"/>.</summary>
    public IReadOnlyList<string> OtherSourcesKept { get; init; } = [];
}
