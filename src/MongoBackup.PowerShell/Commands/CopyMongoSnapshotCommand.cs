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
    // The destination's settings, read once per command (not once per snapshot it judges) and told what it writes there.
    private SettingsReadOnce? _destinationSettings;
    // The sources whose settings were compared with the destination's (and carried into it when the copy starts it), once per command.
    private readonly HashSet<string> _prepared = new(StringComparer.Ordinal);
    // The snapshots this run has copied, named if a later confirmation cannot be answered.
    private readonly List<string> _copied = [];
    // The snapshots -SkipExisting found the destination holding already: said in one line at the end.
    private int _skipped;

    /// <inheritdoc/>
    protected override string? DoneSoFar => _copied.Count == 0 ? null
        : $"snapshot{(_copied.Count == 1 ? "" : "s")} {string.Join(", ", _copied)} {(_copied.Count == 1 ? "was" : "were")} copied to {DescribeRepository(Destination)}";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Skips a snapshot the destination already holds, once it is proven the same snapshot (same files, sizes and
    /// SHA-256); one of the same id that differs is an error. For keeping an offsite copy in sync.
    /// </summary>
    [Parameter]
    public SwitchParameter SkipExisting { get; set; }

    protected override string Doing => "copy";

    protected override void ProcessRecord() => ForEachSnapshot((source, id, snapshot) =>
    {
        RequireComplete(snapshot, "copied");
        if (Force && SkipExisting)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                "-Force replaces a snapshot the destination already holds and -SkipExisting keeps it: give one or the other.", target: "SkipExisting");
        var destinationPath = DescribeRepository(Destination);
        var manifest = Await(ct => SnapshotCatalog.FindAsync(source, id, ct));
        var existing = Force ? null : ExistingCopy(id);
        if (SkipExisting && existing is not null)
        {
            PrepareDestination(source);
            Skip(source, manifest, existing, destinationPath);
            return;
        }
        if (IsWhatIf())
        {
            // The dry run reads the source's manifest and looks for the id in the destination, as the copy checks them; it writes nothing.
            PrepareDestination(source);
            WritePlannedAction("Copy", id, $"{manifest.Files.Count} files ({ByteSize.Format(manifest.Files.Sum(f => f.Size))}) from {source.Location} to {destinationPath}",
                source.Location, DestinationRefusal(manifest) ?? (existing is not null ? new MongoBackupException(ErrorIds.SnapshotExists,
                    $"{destinationPath} already holds snapshot {id}; use -Force to replace it, or -SkipExisting to keep it.", target: id) : null));
            return;
        }
        if (!ShouldProcess(id, $"Copy snapshot from {source.Location} to {destinationPath}")) return;
        var destination = _destination ??= OpenDestination();
        PrepareDestination(source);
        if (DestinationRefusal(manifest) is { } refusal) throw refusal;
        var copied = RunEngine((observer, ct) => new SnapshotCopier(observer).CopyAsync(source, id, destination, Force.IsPresent, ct));
        _copied.Add(id);
        WriteObject(MongoSnapshot.Committed(copied, destination));
    });

    /// <summary>
    /// -SkipExisting met a snapshot of this id in the destination: skipped (a dry run's Skip step) when it is the same
    /// snapshot, with a warning when only one side's key was rotated; SnapshotExists naming the difference otherwise.
    /// </summary>
    private void Skip(ISnapshotRepository source, SnapshotManifest manifest, ManifestReadResult existing, string destinationPath)
    {
        if (CopiedSnapshotMatch.Difference(manifest, existing) is { } difference)
            throw new MongoBackupException(ErrorIds.SnapshotExists,
                $"{destinationPath} already holds a snapshot named {manifest.Id} that is not the one in {source.Location}: {difference}. " +
                "-SkipExisting skips only the same snapshot; find out which is right, and replace it with -Force if it is the source's.", target: manifest.Id);
        if (CopiedSnapshotMatch.KeyDifference(manifest, existing.Manifest!) is { } keys)
            WriteWarning($"Snapshot {manifest.Id} in {destinationPath} is the same snapshot and is skipped, but {keys}: " +
                $"rotate each copy's key too (Update-MongoSnapshotKey -Repository {destinationPath}).");
        if (IsWhatIf())
            WritePlannedAction("Skip", manifest.Id, $"{destinationPath} already holds it, the same files (-SkipExisting)", source.Location);
        else
        {
            WriteVerbose($"Skipped snapshot {manifest.Id}: {destinationPath} already holds it, the same files (-SkipExisting).");
            _skipped++;
        }
    }

    /// <summary>
    /// After a run that skipped snapshots, one line on the host saying so, as Write-Host would (the information stream,
    /// shown by default, never in the output): a nightly sync that found everything copied already output nothing,
    /// and the user could not tell that from a run that did nothing at all. The output stays the snapshots copied.
    /// </summary>
    protected override void EndProcessing()
    {
        base.EndProcessing();
        if (_skipped == 0) return;
        var message = $"Copied {Count(_copied.Count)} to {DescribeRepository(Destination)}; skipped {Count(_skipped)} it holds already, " +
            "the same files (-SkipExisting).";
        WriteInformation(new HostInformationMessage { Message = message }, ["PSHOST"]);
    }

    private static string Count(int n) => n == 1 ? "1 snapshot" : $"{n} snapshots";

    /// <summary>
    /// Once per source, when a copy (a dry run: a planned copy) goes ahead: a destination that holds no snapshot yet is
    /// a new repository, said in one warning, and it is given the source's settings (Set-MongoRepository's rules: an
    /// encryption-required repository's copy requires encryption too); a destination that holds snapshots keeps its
    /// settings, with a warning when they differ from the source's. A dry run writes nothing.
    /// </summary>
    private void PrepareDestination(ISnapshotRepository source)
    {
        if (!_prepared.Add(source.Location)) return;
        var planned = IsWhatIf();
        var destination = _destination ??= OpenDestination();
        var sourceSettings = Await(ct => RepositorySettingsStore.ReadAsync(source, ct));
        var destinationSettings = DestinationSettings();
        if (Await(ct => NewRepositoryNotice.ForAsync(destination, "this copy", "-Destination", planned, ct)) is { } notice)
        {
            if (destinationSettings is null && !CopiedSettings.Same(sourceSettings, null) && destination is IRepositorySettingsStore store)
            {
                if (!planned)
                {
                    Await(async ct => { await store.WriteSettingsAsync(sourceSettings!, ct); return true; });
                    (_destinationSettings ??= new SettingsReadOnce(destination)).Written(sourceSettings!);
                }
                notice += CopiedSettings.Carried(sourceSettings!, source.Location, planned);
                destinationSettings = sourceSettings;
            }
            if (_prepared.Count == 1) WriteWarning(notice);
        }
        if (!CopiedSettings.Same(sourceSettings, destinationSettings))
            WriteWarning(CopiedSettings.Mismatch(source.Location, sourceSettings, destination.Location, destinationSettings));
    }

    /// <summary>Why the destination's settings refuse this snapshot (not encrypted, or under another key); null when they admit it.</summary>
    private MongoBackupException? DestinationRefusal(SnapshotManifest manifest) =>
        DestinationSettings()?.Refusal(manifest.Encryption?.KeyId, _destination!.Location, $"snapshot {manifest.Id}", SnapshotArrival.Copied);

    /// <summary>The destination's settings, read on the first question of the command only; null when it has none, or does not exist yet (nothing is created to find out).</summary>
    private RepositorySettings? DestinationSettings()
    {
        if (!DestinationExists()) return null;
        var destination = _destination ??= OpenDestination();
        var settings = _destinationSettings ??= new SettingsReadOnce(destination);
        return Await(settings.ReadAsync);
    }

    /// <summary>What the destination holds under this id (a manifest, or an incomplete or damaged snapshot); null when nothing. A folder that does not exist yet is not created to find out.</summary>
    private ManifestReadResult? ExistingCopy(string id)
    {
        if (!DestinationExists()) return null;
        var destination = _destination ??= OpenDestination();
        return Await(ct => destination.ReadManifestAsync(id, ct));
    }

    /// <summary>Whether the destination may hold anything: any object store, or a folder that exists.</summary>
    private bool DestinationExists()
    {
        var location = RepositoryLocation.Parse(Destination);
        return location.Kind != RepositoryKind.Folder || Directory.Exists(ResolvePath(location.Path!));
    }

    /// <summary>The destination, written to by a copy (proven writable), only read by a dry run.</summary>
    private ISnapshotRepository OpenDestination() =>
        OpenRepositoryArgument(Destination, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write, mustExist: false);
}
