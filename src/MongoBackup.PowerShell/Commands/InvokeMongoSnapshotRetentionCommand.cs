using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Applies keep-last/daily/weekly/monthly/within and restore-window rules to a repository: outputs every snapshot with Keep or
/// Remove and the reason, and removes what goes. Kept full snapshots keep the slices of their restore windows.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MongoSnapshotRetention", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MongoSnapshotRetentionDecision))]
public sealed class InvokeMongoSnapshotRetentionCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepLast { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepDaily { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepWeekly { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepMonthly { get; set; }

    [Parameter]
    [DurationArgument(Minimum = "00:01:00")]
    public TimeSpan KeepWithin { get; set; }

    /// <summary>Keep what a point-in-time restore to any moment of this span before the newest restorable moment needs.</summary>
    [Parameter]
    [DurationArgument(Minimum = "00:01:00")]
    public TimeSpan RestoreWindow { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repository = OpenRepositoryArgument(Repository, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write);
        var rules = new RetentionRules
        {
            KeepLast = Bound(nameof(KeepLast), KeepLast),
            KeepDaily = Bound(nameof(KeepDaily), KeepDaily),
            KeepWeekly = Bound(nameof(KeepWeekly), KeepWeekly),
            KeepMonthly = Bound(nameof(KeepMonthly), KeepMonthly),
            KeepWithin = MyInvocation.BoundParameters.ContainsKey(nameof(KeepWithin)) ? KeepWithin : null,
            RestoreWindow = MyInvocation.BoundParameters.ContainsKey(nameof(RestoreWindow)) ? RestoreWindow : null,
        };
        var catalog = new SnapshotCatalog(repository); // listed once: the plan, then the guard of what was confirmed
        var plan = Await(ct => RetentionApplier.PlanAsync(catalog, rules, ct));
        foreach (var decision in plan.Decisions)
            WriteVerbose($"{decision.SnapshotId}: {decision.Action.ToString().ToLowerInvariant()}, {decision.Reason}.");
        foreach (var warning in plan.Warnings) WriteWarning(warning);
        if (IsWhatIf())
        {
            // The real run's output is already the plan, one row per snapshot: the preview emits those same rows (Removed
            // false, WouldRemove true for a removal), so a pipeline tried with -WhatIf gives the rows the real run will,
            // and they carry the plan's properties (Command, Target, WouldRun, Detail) as every -WhatIf's plan does.
            // Each row is the step's one account: no What if line repeats it on the host.
            foreach (var decision in plan.Decisions)
                WriteObject(MongoSnapshotRetentionDecision.From(decision, repository.Location, removed: false));
            return;
        }
        var confirmed = plan.Removals
            .Where(d => ShouldProcess(d.SnapshotId, $"Remove {d.Kind?.ToString().ToLowerInvariant()} snapshot from {repository.Location}: {d.Reason}"))
            .Select(d => d.SnapshotId).ToHashSet(StringComparer.Ordinal);
        IReadOnlyCollection<string> removed = [];
        if (confirmed.Count > 0)
        {
            // Says, per source, how far back a point-in-time restore reached before and reaches now (a warning when it shrank
            // without -RestoreWindow: the keep rules count full snapshots, and the slices between kept ones go).
            try { removed = RunEngine(async (observer, ct) => (await new RetentionApplier(observer).ApplyAndReportAsync(catalog, confirmed, rules, ct)).Removed); }
            catch (MongoBackupException e) { ThrowTerminatingError(EngineErrors.ToRecord(e)); }
        }
        foreach (var decision in plan.Decisions)
            WriteObject(MongoSnapshotRetentionDecision.From(decision, repository.Location, removed.Contains(decision.SnapshotId, StringComparer.Ordinal)));
    });

    private int? Bound(string name, int value) => MyInvocation.BoundParameters.ContainsKey(name) ? value : null;
}
