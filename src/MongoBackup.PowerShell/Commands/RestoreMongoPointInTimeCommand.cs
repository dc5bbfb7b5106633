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
[OutputType(typeof(MongoRestoreResult))]
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
    public DateTime PointInTime { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ClusterTimeSet)]
    [ValidateNotNullOrEmpty]
    public string ClusterTime { get; set; } = "";

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var limit = ParameterSetName == ClusterTimeSet
            ? OplogLimit.AtClusterTime(ClusterTimeArgument.Parse(ClusterTime))
            : OplogLimit.AtWallTime(PointInTimeArgumentAttribute.ToInstant(PointInTime));
        var request = new PointInTimeRestoreRequest
        {
            Restore = BuildRestoreRequest(), // its source is the base snapshot the run chooses
            Repository = OpenRepositoryArgument(Repository),
            Limit = limit,
        };

        // Outside every window (or with no full snapshot covering the chosen names) this throws before anything is
        // written. The plan reads through the repository, as the run will: an encrypted base snapshot needs its key.
        var plan = Await(ct => PointInTimePlan.CreateAsync(request, ct));
        var window = plan.Window;
        var namespaces = plan.FromSnapshot;
        if (plan.IsEmpty)
            throw new MongoBackupException(ErrorIds.NothingSelected,
                $"Nothing in snapshot '{window.BaseSnapshot.Id}' or in the oplog replayed after it up to {limit} matches the chosen databases, collections and namespaces.",
                target: window.BaseSnapshot.Id);

        if (!ShouldProcess(request.Restore.Connection.DisplayName, DescribePlan(plan, limit))) return;
        if (Drop && namespaces.Count > 0 && DropNeedsItsOwnPrompt() && !ShouldContinue(
                $"Drop {string.Join(", ", namespaces.Select(n => n.TargetNamespace))} on the target, losing what they hold, and restore them as of {limit}?",
                "Confirm drop"))
            return;

        var outcome = RunEngine((observer, ct) => new PointInTimeRestoreRunner(observer).RunAsync(request, ct));
        WriteObject(MongoRestoreResult.FromPointInTime(outcome));
    });

    private static string DescribePlan(PointInTimePlan plan, OplogLimit limit)
    {
        var window = plan.Window;
        var slices = window.Slices.Count == 0 ? "no oplog slices" : $"{window.Slices.Count} oplog slice(s) ({string.Join(", ", window.Slices.Select(s => s.Id))})";
        var targets = plan.FromSnapshot.Count == 0 ? "what the oplog creates of the chosen names (after the snapshot was taken)"
            : string.Join(", ", plan.FromSnapshot.Select(n => n.SourceNamespace == n.TargetNamespace ? n.TargetNamespace : $"{n.SourceNamespace} -> {n.TargetNamespace}"));
        var damaged = plan.FromSnapshot.Where(n => n.Source.Damage is not null).Select(n => $"{n.SourceNamespace} ({n.Source.Damage!.Message})").ToList();
        var failing = damaged.Count == 0 ? "" : $"; damaged in the snapshot, these will fail: {string.Join("; ", damaged)}";
        return $"Restore to {limit} from snapshot {window.BaseSnapshot.Id} (consistent at {window.BaseSnapshot.ConsistentAt!.Timestamp}) and {slices}, into {targets}{failing}";
    }
}
