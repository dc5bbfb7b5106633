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
    public static async Task<RetentionPlan> PlanAsync(SnapshotCatalog catalog, RetentionRules rules, CancellationToken ct, SourceIdentity? only = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var found = await catalog.FoundAsync(ct).ConfigureAwait(false);
        return RetentionPlanner.Plan(found, rules, only, await UnfinishedWritersAsync(catalog.Repository, found, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// The writer marks of each snapshot listed without a manifest (not damaged), judged (<see cref="SnapshotWriters"/>): one
    /// read each; null when the repository keeps no marks, so that retention leaves them alone.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<WriterState>>?> UnfinishedWritersAsync(ISnapshotRepository repository,
        IReadOnlyList<ManifestReadResult> found, CancellationToken ct)
    {
        if (repository.Marks is not { } marks) return null;
        var writers = new Dictionary<string, IReadOnlyList<WriterState>>(StringComparer.Ordinal);
        foreach (var unfinished in found.Where(f => f.Manifest is null && !f.IsDamaged))
            writers[unfinished.SnapshotId] = await SnapshotWriters.JudgeAsync(marks, unfinished.SnapshotId, TimeProvider.System, ct).ConfigureAwait(false);
        return writers;
    }

    /// <summary>Removes <paramref name="removals"/> (the plan's removals, or the part of them the user confirmed).</summary>
    /// <returns>The ids removed: a snapshot being read stays for a later run, with a warning.</returns>
    public Task<IReadOnlyList<string>> ApplyAsync(ISnapshotRepository repository, IReadOnlyCollection<string> removals, CancellationToken ct) =>
        ApplyAsync(new SnapshotCatalog(repository), removals, ct);

    /// <summary>
    /// Removes <paramref name="removals"/> as <see cref="ApplyAsync(SnapshotCatalog, IReadOnlyCollection{string}, CancellationToken)"/>
    /// does, and says how far back a point-in-time restore of each source that lost a snapshot reached before and reaches
    /// now (<see cref="RestoreCoverage"/>): a warning when it shrank without a restore-window rule (<paramref name="rules"/>;
    /// the keep rules count full snapshots, so the slices between kept ones go), a verbose line otherwise.
    /// </summary>
    public async Task<RetentionOutcome> ApplyAndReportAsync(SnapshotCatalog catalog, IReadOnlyCollection<string> removals, RetentionRules rules,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(rules);
        var before = removals.Count == 0 ? [] : (await catalog.CompleteAsync(ct).ConfigureAwait(false)).ToList();
        var removed = await ApplyAsync(catalog, removals, ct).ConfigureAwait(false);
        var coverage = RestoreCoverage.Change(before, removed);
        foreach (var change in coverage)
        {
            if (change.Shrank && rules.RestoreWindow is null)
                observer.Warning($"Retention shortened point-in-time restore: {change.Describe()}. The keep rules ({rules}) count full snapshots, " +
                    "and the oplog slices no kept full snapshot's restore window needs go with the rest; a restore-window rule (-RestoreWindow, " +
                    "MONGOBACKUP_RESTORE_WINDOW) keeps point-in-time restore to any moment of its span.");
            else
                observer.Verbose($"Retention: {change.Describe()}.");
        }
        return new RetentionOutcome(removed, coverage);
    }

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

/// <summary>What a retention run removed, and how each source's point-in-time coverage changed with it.</summary>
/// <param name="Removed">The ids removed (a snapshot being read stays for a later run).</param>
/// <param name="Coverage">For each source that lost a snapshot, how far back a point-in-time restore reached before and reaches now.</param>
public sealed record RetentionOutcome(IReadOnlyList<string> Removed, IReadOnlyList<RestoreCoverageChange> Coverage);
