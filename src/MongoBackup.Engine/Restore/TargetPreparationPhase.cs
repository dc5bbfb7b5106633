using MongoBackup.Engine.Events;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The first step of a restore: each planned namespace's target made ready for its documents (created with its options,
/// dropped first with -Drop, or kept with -Resume; into a mongos, sharded as its source was). A namespace whose source
/// is damaged, or that the target refuses, is reported failed and left out; the others go on.
/// </summary>
internal sealed class TargetPreparationPhase(IEngineObserver observer)
{
    /// <summary>Adds a result per planned namespace to <paramref name="outcome"/>; returns the namespaces made ready, in plan order.</summary>
    public async Task<List<PreparedNamespace>> RunAsync(
        TargetPreparer preparer, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, RestoreOutcome outcome, ShardedRestoreTarget? sharding, CancellationToken ct)
    {
        var ready = new List<PreparedNamespace>();
        foreach (var ns in plan)
        {
            var result = new NamespaceRestoreResult(ns.SourceNamespace, ns.TargetNamespace, ns.Type);
            outcome.Namespaces.Add(result);
            var refused = TargetCheck.DamageRefusal(ns) ?? (sharding is null ? null : await sharding.RefusalAsync(ns, ct));
            if (refused is not null)
            {
                NamespaceFailures.Record(observer, result, refused);
                continue;
            }
            try
            {
                var how = await preparer.PrepareAsync(ns, request.Drop, ct);
                if (sharding is not null) await ShardAsync(sharding, preparer, ns, how, ct);
                result.Stage = NamespaceRestoreStage.Created;
                ready.Add(new PreparedNamespace(ns, result, how));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                NamespaceFailures.Record(observer, result, e);
            }
        }
        return ready;
    }

    /// <summary>Shards a prepared target as its source was; a target the cluster refuses to shard is taken back (not left created unsharded).</summary>
    private static async Task ShardAsync(ShardedRestoreTarget sharding, TargetPreparer preparer, PlannedNamespace ns, PreparedTarget how, CancellationToken ct)
    {
        try { await sharding.ShardAsync(ns, ct); }
        catch (MongoBackupException)
        {
            await preparer.RollBackAsync(ns, how, ct);
            throw;
        }
    }
}

/// <summary>A target made ready for its documents, its result, and how it was made ready (see <see cref="PreparedTarget"/>).</summary>
internal sealed record PreparedNamespace(PlannedNamespace Ns, NamespaceRestoreResult Result, PreparedTarget How);
