using System.Management.Automation;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Copies snapshots to another repository, file by file, checking every file's SHA-256 as it arrives and writing
/// the manifest last; outputs each snapshot as it now exists in the destination.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "MongoSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(MongoSnapshot))]
public sealed class CopyMongoSnapshotCommand : MongoSnapshotCmdlet
{
    private ISnapshotRepository? _destination;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => ForEachSnapshot((source, id, snapshot) =>
    {
        RequireComplete(snapshot, "copied");
        var destinationPath = DescribeRepository(Destination);
        if (!ShouldProcess(id, $"Copy snapshot from {source.Location} to {destinationPath}")) return;
        var destination = _destination ??= OpenRepositoryArgument(Destination, mustExist: false);
        var manifest = RunEngine((observer, ct) => new SnapshotCopier(observer).CopyAsync(source, id, destination, Force.IsPresent, ct));
        WriteObject(MongoSnapshot.FromManifest(manifest, destination));
    });
}
