using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>Plans retention for a repository and removes what the plan says, through the same guard as Remove-MongoSnapshot.</summary>
public sealed class RetentionApplier(IEngineObserver observer)
{
    public static async Task<RetentionPlan> PlanAsync(ISnapshotRepository repository, RetentionRules rules, CancellationToken ct)
    {
        var found = new List<ManifestReadResult>();
        await foreach (var result in repository.ListAsync(ct).ConfigureAwait(false)) found.Add(result);
        return RetentionPlanner.Plan(found, rules);
    }

    /// <summary>Removes <paramref name="removals"/> (the plan's removals, or the part of them the user confirmed).</summary>
    /// <returns>The ids removed: a snapshot being read stays for a later run, with a warning.</returns>
    public async Task<IReadOnlyList<string>> ApplyAsync(ISnapshotRepository repository, IReadOnlyCollection<string> removals, CancellationToken ct)
    {
        if (removals.Count == 0)
        {
            observer.Verbose($"Retention removes nothing from {repository.Location}.");
            return [];
        }
        // Not forced: the plan never breaks a kept window, and if the repository changed since it was made, the guard says so.
        return await new SnapshotRemover(observer).RemoveAsync(repository, removals, force: false, ct, skipBeingRead: true).ConfigureAwait(false);
    }
}
