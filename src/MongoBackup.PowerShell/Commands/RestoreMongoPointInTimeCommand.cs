using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Restores a repository's data as it was at a moment: the newest full snapshot consistent at or before it, then the
/// oplog slices after it replayed up to and including that moment. A moment outside every restore window is refused
/// before anything is written.
/// </summary>
[Cmdlet(VerbsData.Restore, "MongoPointInTime", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = WallTimeSet)]
[OutputType(typeof(MongoRestoreResult), typeof(MongoPlannedAction))]
public sealed class RestoreMongoPointInTimeCommand : MongoRestoreCmdlet
{
    private const string WallTimeSet = "PointInTime";
    private const string ClusterTimeSet = "ClusterTime";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2, ParameterSetName = WallTimeSet)]
    [PointInTimeArgument]
    [ArgumentCompleter(typeof(Completion.PointInTimeCompleter))]
    public DateTimeOffset PointInTime { get; set; }

    /// <summary>
    /// An exact oplog timestamp to restore to, inclusive. Taken from the pipeline by property name: a
    /// Find-MongoOplogEntry result's ClusterTime is the moment just before its entry.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ClusterTimeSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ClusterTimeCompleter))]
    public string ClusterTime { get; set; } = "";

    /// <summary>
    /// The id of the source to restore (Get-MongoRestoreWindow's and Get-MongoSnapshot's SourceId: a replica set's
    /// replicaSetId, a cluster's clusterId, or for a source that recorded none its name and oldest snapshot's id), when windows of several sources (two sets of the same name) reach the moment.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.SourceIdCompleter))]
    public string? SourceId { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var limit = ParameterSetName == ClusterTimeSet
            ? OplogLimit.AtClusterTime(ClusterTimeArgument.Parse(ClusterTime))
            : OplogLimit.AtWallTime(PointInTime, moment => $"-PointInTime was read as {PointInTimeArgumentAttribute.Describe(moment)}");
        // Echo the instant the argument was read as (to the millisecond, as the limit compares it), so a time taken in
        // the wrong zone shows before anything else.
        WriteVerbose(limit.WallTime is { } wall
            ? $"-PointInTime is {PointInTimeArgumentAttribute.Describe(wall)}, included with every write of that millisecond."
            : $"-ClusterTime {limit.Timestamp} falls in the second {PointInTimeArgumentAttribute.Describe(limit.Timestamp.WallTime)}.");
        var request = new PointInTimeRestoreRequest
        {
            Restore = BuildRestoreRequest(), // its source is the base snapshot the run chooses
            Repository = OpenRepositoryArgument(Repository, RepositoryAccess.Read),
            Limit = limit,
            SourceId = SourceId,
        };

        // Outside every window (or with no full snapshot covering the chosen names) this throws before anything is
        // written, an OutsideRestoreWindow error naming the windows. The plan reads through the repository, as the run
        // will: an encrypted base snapshot needs its key, an object store has no folder. The repository is listed
        // once, here; the run restores through the window planned (and confirmed).
        var catalog = new SnapshotCatalog(request.Repository);
        var plan = PlanOrRefuseSource(() => PlanNamingUnmatchedRenames(request, catalog),
            $"{request.Repository.Location} as of {limit}", request.Restore.Connection.DisplayName);
        if (plan is null) return; // -WhatIf: the base snapshot is refused whole, said as the plan's one step
        var window = plan.Window;
        var namespaces = plan.FromSnapshot;
        // What the replayed oplog creates beyond the snapshot's files: read (once) only for -WhatIf or a prompt that names
        // them, and then handed to the run, which creates what was shown without reading the oplog for it again.
        PointInTimeOplogCreations? createdByOplog = null;
        IReadOnlyList<OplogCreatedTarget> CreatedByOplog() => (createdByOplog ??= Await(ct => PointInTimePlan.CreatedByOplogAsync(request, plan, ct))).Targets;
        var baseSnapshot = new RepositorySnapshot(request.Repository, window.BaseSnapshot.Id);
        RequireEveryRenameMatches(request, plan);
        // A base of users and roles alone (a server backed up with -IncludeUsersAndRoles before any user database existed)
        // restores them with -IncludeUsersAndRoles, as Restore-MongoDatabase restores a dump of them alone.
        if (plan.IsEmpty && !(request.Restore.IncludeUsersAndRoles
                && Await(ct => RestoreRunner.PlanUsersAndRolesAsync(PointInTimeRestoreRunner.RestoreRequestFor(request, window), ct))?.Databases.Any() == true))
            throw new MongoBackupException(ErrorIds.NothingSelected,
                $"Nothing in snapshot '{window.BaseSnapshot.Id}' or in the oplog replayed after it up to {limit} matches the chosen databases, collections and namespaces.",
                target: window.BaseSnapshot.Id);

        if (IsWhatIf())
        {
            var slices = window.Slices.Count == 0 ? "no oplog slices" : $"{window.Slices.Count} oplog slice(s)";
            WritePlan(PointInTimeRestoreRunner.RestoreRequestFor(request, window), namespaces.ToList(),
                $"as of {limit}, from snapshot {window.BaseSnapshot.Id} and {slices},");
            // What the replayed oplog creates beyond the snapshot's files, each target as the run will check it.
            var created = CreatedByOplog();
            foreach (var c in created)
                WritePlannedAction(Drop && c.Existing is not null ? "Drop and restore" : "Restore", c.TargetNamespace,
                    $"{c.Type} {c.SourceNamespace} that the oplog creates after snapshot {window.BaseSnapshot.Id}, replayed from {slices} as of {limit}, " +
                    $"into {request.Restore.Connection.DisplayName}{(c.Existing is null ? "" : $" (the target {c.Existing})")}", c.SourceNamespace, c.Refusal);
            if (plan.FromOplogOnly && created.Count == 0)
                WritePlannedAction("Restore", "(created after the snapshot)",
                    $"what the oplog creates of the chosen names after snapshot {window.BaseSnapshot.Id}, replayed from {slices} as of {limit}, into {request.Restore.Connection.DisplayName}",
                    window.BaseSnapshot.Id);
            return;
        }
        // The oplog is read for what it creates only when a prompt shows it (without a prompt, the run finds them itself).
        if (!ShouldProcess(request.Restore.Connection.DisplayName, DescribePlan(plan, limit, ShouldProcessPrompts() ? CreatedByOplog() : null))) return;
        if (Drop && DropNeedsItsOwnPrompt())
        {
            var replaced = CreatedByOplog().Where(c => c.Existing is not null).Select(c => $"{c.TargetNamespace} (it {c.Existing}; the oplog creates {c.SourceNamespace})").ToList();
            var created = CreatedByOplog().Where(c => c.Existing is null).Select(c => c.TargetNamespace).ToList();
            var dropped = namespaces.Select(n => n.TargetNamespace).Concat(replaced).ToList();
            if (dropped.Count > 0 && !ShouldContinue(
                    $"Drop {string.Join(", ", dropped)} on the target, losing what they hold, and restore them as of {limit}?" +
                    (created.Count == 0 ? "" : $" The replayed oplog also creates {string.Join(", ", created)}, which do not exist on the target."),
                    "Confirm drop"))
                return;
        }

        var outcome = RunEngine((observer, ct) => new PointInTimeRestoreRunner(observer).RunAsync(request, window, createdByOplog, ct));
        // Its own type name selects the point-in-time table (the moment restored to, its base snapshot and slices);
        // everything else, the list view included, is MongoRestoreResult's.
        var result = PSObject.AsPSObject(MongoRestoreResult.FromPointInTime(outcome));
        result.TypeNames.Insert(0, MongoRestoreResult.PointInTimeTypeName);
        WriteObject(result);
    });

    /// <summary>
    /// The plan. When the renames alone choose what is restored, a rename that matches nothing (a mistyped name) is the
    /// mistake to name, with the databases the base snapshot holds, rather than that no full snapshot covers the name it
    /// made up (ScopeNotCovered): that is judged against the plan without the renames' selection.
    /// </summary>
    private PointInTimePlan PlanNamingUnmatchedRenames(PointInTimeRestoreRequest request, SnapshotCatalog catalog)
    {
        MongoBackupException notCovered;
        try { return Await(ct => PointInTimePlan.CreateAsync(request, catalog, ct)); }
        catch (MongoBackupException e) when (e.ErrorId == ErrorIds.ScopeNotCovered && RenamesChooseWhatIsRestored) { notCovered = e; }
        PointInTimePlan wider;
        try { wider = Await(ct => PointInTimePlan.CreateAsync(request with { Restore = request.Restore with { Filter = Filter([], renamesSelect: false) } }, catalog, ct)); }
        catch (MongoBackupException) { throw notCovered; }
        RequireEveryRenameMatches(request, wider);
        throw notCovered;
    }

    /// <summary>Each rename matches a namespace of the plan's base snapshot, or one the oplog replayed after it creates.</summary>
    private void RequireEveryRenameMatches(PointInTimeRestoreRequest request, PointInTimePlan plan)
    {
        var baseSnapshot = new RepositorySnapshot(request.Repository, plan.Window.BaseSnapshot.Id);
        RequireEveryRenameMatches(plan.FromSnapshot,
            () => Await(ct => RestoreRunner.PlanAsync(request.Restore with { Snapshot = baseSnapshot, Filter = NamespaceFilter.EveryNamespace, Map = MongoBackup.Engine.Model.NamespaceMap.Identity }, ct)),
            $"snapshot {plan.Window.BaseSnapshot.Id}",
            createdLater: patterns => request.Restore.NoOplogReplay ? new HashSet<string>()
                : Await(ct => PointInTimePlan.OplogSelectsEachAsync(request, plan.Window, patterns.Select(p => new NamespaceFilter(namespaceInclude: [p])).ToList(), ct))
                    .Select((selects, i) => (selects, pattern: patterns[i])).Where(p => p.selects).Select(p => p.pattern).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Whether ShouldProcess will ask (-Confirm, or $ConfirmPreference at this cmdlet's Medium impact or lower), so its message is read.</summary>
    private bool ShouldProcessPrompts()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm)) return confirm is SwitchParameter { IsPresent: true };
        var preference = LanguagePrimitives.TryConvertTo(GetVariableValue("ConfirmPreference"), out ConfirmImpact p) ? p : ConfirmImpact.High;
        return preference != ConfirmImpact.None && preference <= ConfirmImpact.Medium;
    }

    private static string DescribePlan(PointInTimePlan plan, OplogLimit limit, IReadOnlyList<OplogCreatedTarget>? created)
    {
        var window = plan.Window;
        var slices = window.Slices.Count == 0 ? "no oplog slices" : $"{window.Slices.Count} oplog slice(s) ({string.Join(", ", window.Slices.Select(s => s.Id))})";
        var targets = plan.FromSnapshot.Count == 0 ? "what the oplog creates of the chosen names (after the snapshot was taken)"
            : string.Join(", ", plan.FromSnapshot.Select(n => n.SourceNamespace == n.TargetNamespace ? n.TargetNamespace : $"{n.SourceNamespace} -> {n.TargetNamespace}"));
        var damaged = plan.FromSnapshot.Where(n => n.Source.Damage is not null).Select(n => $"{n.SourceNamespace} ({n.Source.Damage!.Message})").ToList();
        var failing = damaged.Count == 0 ? "" : $"; damaged in the snapshot, these will fail: {string.Join("; ", damaged)}";
        var fromOplog = created is not { Count: > 0 } ? ""
            : $"; the replayed oplog creates {string.Join(", ", created.Select(c => (c.SourceNamespace == c.TargetNamespace ? c.TargetNamespace : $"{c.SourceNamespace} -> {c.TargetNamespace}") + (c.Existing is null ? "" : $" (the target {c.Existing})")))}";
        return $"Restore to {limit} from snapshot {window.BaseSnapshot.Id} (consistent at {window.BaseSnapshot.ConsistentAt!.Timestamp}) and {slices}, into {targets}{fromOplog}{failing}";
    }
}
