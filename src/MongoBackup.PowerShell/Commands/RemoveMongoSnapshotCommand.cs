using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Deletes snapshots. Everything piped in is collected and removed together at the end, so a full snapshot and
/// the slices of its window can go in one pipeline; removing only part of a restore window that stays is refused
/// unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MongoSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(MongoPlannedAction))]
public sealed class RemoveMongoSnapshotCommand : MongoSnapshotCmdlet
{
    private readonly List<(ISnapshotRepository Repository, string Id, MongoSnapshot? Snapshot)> _chosen = [];

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override string Doing => "remove";

    /// <summary>Never "pipe them all" for a removal: the keep rules are the way to remove many.</summary>
    protected override string? MoreChoices(string repository) =>
        $"To remove snapshots by age or count, Invoke-MongoSnapshotRetention -Repository {repository} applies keep rules (-WhatIf lists what it would remove).";

    /// <summary>Removing writes (a dry run only reads): the folder is proven writable before anything is chosen.</summary>
    protected override RepositoryAccess SnapshotAccess => IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write;

    protected override void ProcessRecord() => RunHousekeeping(() =>
    {
        foreach (var chosen in SelectedSnapshots())
        {
            // A damaged manifest may sit on whole data: only naming it by -Id with -Force removes it, never a pipeline
            // (Get-MongoSnapshot -IncludeIncomplete | Where-Object Status -eq Incomplete | Remove-MongoSnapshot must never reach it).
            if (chosen.Snapshot is { Status: MongoSnapshot.DamagedStatus } damaged)
            {
                WriteError(EngineErrors.ToRecord(new MongoBackupException(ErrorIds.SnapshotDamaged,
                    $"Snapshot {damaged.Id} is not removed: its manifest is damaged ({damaged.Problem}), but the backup finished and its data " +
                    $"may be whole. If you are sure, name it: Remove-MongoSnapshot -Repository '{damaged.Repository}' -Id {damaged.Id} -Force.",
                    target: damaged.Id), damaged));
                continue;
            }
            _chosen.Add(chosen);
        }
    });

    protected override void EndProcessing() => RunHousekeeping(() =>
    {
        foreach (var group in _chosen.GroupBy(c => c.Repository))
        {
            var repository = group.Key;
            var ids = group.Select(c => c.Id).Distinct(StringComparer.Ordinal).ToList();
            var catalog = Catalog(repository);
            var blockers = Await(ct => SnapshotRemover.CheckAsync(catalog, ids, ct));
            if (IsWhatIf())
            {
                // The dry run: every snapshot as a step; when the removal would be refused, all of it is (nothing is removed),
                // each step saying why: its own reason, or the snapshots of the set that may not go. The refusals are the real
                // run's, in its order: the restore-window and damage guard (unless -Force), then the runs reading or still
                // writing them (judged as the removal judges them, -Force or not), with the same words.
                var users = blockers.Count > 0 && !Force ? null
                    : Await(ct => new SnapshotRemover(Engine.Events.NullObserver.Instance).UsersRefusalAsync(repository, ids, ct));
                foreach (var chosen in group.DistinctBy(c => c.Id))
                    WritePlannedAction("Remove", chosen.Id, $"{Describe(chosen.Snapshot)}snapshot from {repository.Location}" +
                        (blockers.Count > 0 && Force ? $" (-Force: {string.Join(" ", blockers.Select(b => b.Reason))})" : ""), repository.Location,
                        blockers.Count > 0 && !Force ? SnapshotRemover.RefusalOf(repository, chosen.Id, blockers) : users);
                continue;
            }
            // Refuse before asking: confirming snapshots one by one only to be refused at the end helps nobody.
            if (blockers.Count > 0 && !Force) throw SnapshotRemover.Refusal(repository, blockers);

            var confirmed = group.Where(c => ShouldProcess(c.Id, $"Remove {Describe(c.Snapshot)}snapshot from {repository.Location}"))
                .Select(c => c.Id).Distinct(StringComparer.Ordinal).ToList();
            if (confirmed.Count == 0) continue;
            RunEngine(async (observer, ct) =>
            {
                await new SnapshotRemover(observer).RemoveAsync(catalog, confirmed, Force.IsPresent, ct).ConfigureAwait(false);
                return confirmed.Count;
            });
        }
    });

    private static string Describe(MongoSnapshot? snapshot) => snapshot is null ? ""
        : snapshot.Status == MongoSnapshot.InProgressStatus ? "in-progress "
        : snapshot.IsUnreadable ? snapshot.Status.ToLowerInvariant() + " "
        : $"{snapshot.Kind.ToLowerInvariant()} ";
}
