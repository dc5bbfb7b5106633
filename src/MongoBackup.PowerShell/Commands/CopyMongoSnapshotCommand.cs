using System.Management.Automation;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Copies snapshots to another repository, file by file, checking every file's SHA-256 as it arrives and writing
/// the manifest last; outputs each snapshot as it now exists in the destination.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "MongoSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(MongoSnapshot), typeof(MongoPlannedAction))]
public sealed class CopyMongoSnapshotCommand : MongoSnapshotCmdlet
{
    private ISnapshotRepository? _destination;
    // Whether the destination was looked at for snapshots, once per command (a dry run too), to warn when the copy starts a new repository.
    private bool _destinationChecked;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override string Doing => "copy";

    protected override void ProcessRecord() => ForEachSnapshot((source, id, snapshot) =>
    {
        RequireComplete(snapshot, "copied");
        var destinationPath = DescribeRepository(Destination);
        if (IsWhatIf())
        {
            // The dry run reads the source's manifest and looks for the id in the destination, as the copy checks them; it writes nothing.
            WarnOnceWhenDestinationIsNew();
            var planned = Await(ct => SnapshotCatalog.FindAsync(source, id, ct));
            var exists = !Force && DestinationHolds(id);
            WritePlannedAction("Copy", id, $"{planned.Files.Count} files ({ByteSize.Format(planned.Files.Sum(f => f.Size))}) from {source.Location} to {destinationPath}",
                source.Location, DestinationRefusal(planned) ?? (exists ? new MongoBackupException(ErrorIds.SnapshotExists,
                    $"{destinationPath} already holds snapshot {id}; use -Force to replace it.", target: id) : null));
            return;
        }
        if (!ShouldProcess(id, $"Copy snapshot from {source.Location} to {destinationPath}")) return;
        var destination = _destination ??= OpenDestination();
        WarnOnceWhenDestinationIsNew();
        if (DestinationRefusal(Await(ct => SnapshotCatalog.FindAsync(source, id, ct))) is { } refusal) throw refusal;
        var manifest = RunEngine((observer, ct) => new SnapshotCopier(observer).CopyAsync(source, id, destination, Force.IsPresent, ct));
        WriteObject(MongoSnapshot.FromManifest(manifest, destination));
    });

    /// <summary>
    /// Warns, once per command, when -Destination holds no snapshot yet: the copy starts (a dry run: would start) a new
    /// repository there, as a mistyped -Destination does. A folder that does not exist is only read, never created, to find out.
    /// </summary>
    private void WarnOnceWhenDestinationIsNew()
    {
        if (_destinationChecked) return;
        _destinationChecked = true;
        WarnWhenNewRepository(_destination ??= OpenDestination(), "this copy", "-Destination");
    }

    /// <summary>Why the destination's settings refuse this snapshot (not encrypted, or under another key); null when they admit it.</summary>
    private MongoBackupException? DestinationRefusal(SnapshotManifest manifest)
    {
        var location = RepositoryLocation.Parse(Destination);
        if (location.Kind == RepositoryKind.Folder && !Directory.Exists(ResolvePath(location.Path!))) return null;
        var destination = _destination ??= OpenDestination();
        return Await(ct => RepositorySettingsStore.ReadAsync(destination, ct))?.Refusal(manifest.Encryption?.KeyId, destination.Location, $"snapshot {manifest.Id}");
    }

    /// <summary>Whether the destination already has a snapshot folder by this id; a folder that does not exist yet is not created to find out.</summary>
    private bool DestinationHolds(string id)
    {
        var location = RepositoryLocation.Parse(Destination);
        if (location.Kind == RepositoryKind.Folder && !Directory.Exists(ResolvePath(location.Path!))) return false;
        var destination = _destination ??= OpenDestination();
        return Await(async ct => await destination.ReadManifestAsync(id, ct) is not null);
    }

    /// <summary>The destination, written to by a copy (proven writable), only read by a dry run.</summary>
    private ISnapshotRepository OpenDestination() =>
        OpenRepositoryArgument(Destination, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write, mustExist: false);
}
