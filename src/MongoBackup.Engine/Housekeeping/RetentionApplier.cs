using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>Plans retention for a repository and removes what the plan says, through the same guard as Remove-MongoSnapshot.</summary>
public sealed class RetentionApplier(IEngineObserver observer)
{
    /// <summary>The plan for <paramref name="repository"/>, listing it once; writes nothing.</summary>
    public static Task<RetentionPlan> PlanAsync(ISnapshotRepository repository, RetentionRules rules, CancellationToken ct) =>
        PlanAsync(new SnapshotCatalog(repository), rules, ct);

    /// <summary>The plan, from the command's <paramref name="catalog"/> (listed once, shared with <see cref="ApplyAsync(SnapshotCatalog, IReadOnlyCollection{string}, CancellationToken)"/>).</summary>
    /// <param name="catalog">The command's catalog.</param>
    /// <param name="rules">The rules.</param>
    /// <param name="ct">Cancels the listing.</param>
    /// <param name="only">The one source the rules reach (a backup policy's); every source when null (<see cref="RetentionPlanner.Plan"/>).</param>
    public static async Task<RetentionPlan> PlanAsync(SnapshotCatalog catalog, RetentionRules rules, CancellationToken ct, SourceIdentity? only = null) =>
        RetentionPlanner.Plan(await catalog.FoundAsync(ct).ConfigureAwait(false), rules, only);

    /// <summary>Removes <paramref name="removals"/> (the plan's removals, or the part of them the user confirmed).</summary>
    /// <returns>The ids removed: a snapshot being read stays for a later run, with a warning.</returns>
    public Task<IReadOnlyList<string>> ApplyAsync(ISnapshotRepository repository, IReadOnlyCollection<string> removals, CancellationToken ct) =>
        ApplyAsync(new SnapshotCatalog(repository), removals, ct);

    /// <summary>The same, guarded by the command's <paramref name="catalog"/>, the one its plan was made from.</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(SnapshotCatalog catalog, IReadOnlyCollection<string> removals, CancellationToken ct)
    {
        if (removals.Count == 0)
        {
            observer.Verbose($"Retention removes nothing from {catalog.Repository.Location}.");
            return [];
        }
        // Not forced: the plan never breaks a kept window, and the guard checks the part of it that was confirmed.
        return await new SnapshotRemover(observer).RemoveAsync(catalog, removals, force: false, ct, skipBeingRead: true).ConfigureAwait(false);
    }
}
