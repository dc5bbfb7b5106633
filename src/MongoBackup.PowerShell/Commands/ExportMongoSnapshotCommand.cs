using System.Management.Automation;
using MongoBackup.Engine.Export;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Writes a snapshot (any compression, encrypted or not, from any repository) as a stock mongodump folder or --archive
/// file, gzip or not, that stock mongorestore restores without this module; outputs what it wrote.
/// </summary>
[Cmdlet(VerbsData.Export, "MongoSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(MongoSnapshotExport), typeof(MongoPlannedAction))]
public sealed class ExportMongoSnapshotCommand : MongoEncryptedSnapshotCmdlet
{
    // The exports this run has written, named if a later confirmation cannot be answered.
    private readonly List<string> _exported = [];

    /// <inheritdoc/>
    protected override string? DoneSoFar => _exported.Count == 0 ? null : $"it exported {string.Join(", ", _exported)}";

    /// <summary>The folder (or with -Archive, the file) to create; it must not exist yet, or be an empty folder.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>One mongodump --archive file instead of a folder.</summary>
    [Parameter]
    public SwitchParameter Archive { get; set; }

    /// <summary>gzip, as mongodump --gzip: every file (or the whole archive); restore with mongorestore --gzip.</summary>
    [Parameter]
    public SwitchParameter Gzip { get; set; }

    protected override string Doing => "export";

    /// <summary>One -Path takes one snapshot: there is no "every one" to offer.</summary>
    protected override string? MoreChoices(string repository) => null;

    protected override void ProcessRecord() => ForEachSnapshot((repository, id, snapshot) =>
    {
        RequireComplete(snapshot, "exported");
        var destination = ResolvePath(Path);
        var format = Archive.IsPresent ? ExportFormat.Archive : ExportFormat.Directory;
        var form = $"a mongodump {(Archive.IsPresent ? "archive" : "folder")}{(Gzip.IsPresent ? " (gzip)" : "")}";
        var request = new ExportRequest
        {
            Repository = repository, SnapshotId = id, Destination = destination, Format = format, Gzip = Gzip.IsPresent, Encryption = Keys,
        };
        if (IsWhatIf())
        {
            // The dry run checks what the export checks (the key, damage, a free destination); it writes nothing.
            WritePlannedAction("Export", destination, $"snapshot {id} from {repository.Location} as {form}", id,
                Await(ct => SnapshotExporter.RefusalAsync(request, ct)));
            return;
        }
        if (!ShouldProcess(destination, $"Export snapshot {id} from {repository.Location} as {form}")) return;
        var result = RunEngine((observer, ct) => new SnapshotExporter(observer).RunAsync(request, ct));
        _exported.Add($"snapshot {id} to {destination}");
        WriteObject(MongoSnapshotExport.FromResult(result));
    });
}
