using MongoBackup.Engine.Connection;

namespace MongoBackup.Engine.Restore;

/// <summary>One planned namespace and, when the restore would refuse its target, the error it would give.</summary>
public sealed record TargetState(PlannedNamespace Namespace, MongoBackupException? Refusal);

/// <summary>
/// What a restore would find on its target, without writing anything (the -WhatIf dry run): the server is reached and
/// asked what it is, as the run does, and each target is checked as <see cref="TargetPreparer"/> will check it (a
/// namespace found damaged first, as the run fails it before its target is looked at).
/// </summary>
public static class TargetCheck
{
    /// <summary>
    /// Each planned namespace with the refusal the restore would give it (TargetNotEmpty without -Drop or -Resume,
    /// CorruptFile for a namespace found damaged, ShardKeyConflict or ShardedClusterNotSupported into a sharded cluster),
    /// or none; writes nothing.
    /// </summary>
    /// <exception cref="MongoBackupException">ServerUnreachable or AuthenticationFailed: the target cannot be used at all.</exception>
    public static async Task<IReadOnlyList<TargetState>> CheckAsync(RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, CancellationToken ct)
    {
        using var target = MongoConnection.Open(request.Connection);
        var topology = await ServerTopology.DiscoverAsync(target.Client, ct, allowMongos: true).ConfigureAwait(false);
        // Into a mongos, checked as the run checks it (ShardKeyConflict, a database a mongos does not take).
        ShardedRestoreTarget? sharding = null;
        if (topology.Kind == TopologyKind.Sharded)
        {
            var (reader, _) = await RestoreSource.OpenAsync(request, leaseFor: null, ct).ConfigureAwait(false);
            await using (reader)
                sharding = await ShardedRestoreTarget.OpenAsync(target.Client, reader as Cluster.ClusterSnapshotReader, request.Drop,
                    Events.NullObserver.Instance, ct).ConfigureAwait(false);
        }
        var preparer = new TargetPreparer(target.Client, request.Map, request.Resume, buildsIndexes: !request.NoIndexRestore,
                identity: RestoreIdentity.Of(request), convertLegacyIndexes: request.ConvertLegacyIndexes);
        var states = new List<TargetState>();
        foreach (var ns in plan)
            states.Add(new TargetState(ns, DamageRefusal(ns)
                ?? (sharding is null ? null : await sharding.RefusalAsync(ns, ct).ConfigureAwait(false))
                ?? await preparer.RefusalAsync(ns, request.Drop, ct).ConfigureAwait(false)));
        return states;
    }

    /// <summary>
    /// A namespace found damaged while planning (its metadata or data file): the run fails it alone with this error,
    /// before its target is looked at, and the others go on.
    /// </summary>
    public static MongoBackupException? DamageRefusal(PlannedNamespace ns) => ns.Source.Damage is { } damage
        ? new MongoBackupException(ErrorIds.CorruptFile, $"{ns.TargetNamespace} was not restored: {damage.Message}", target: damage.File)
        : null;
}
