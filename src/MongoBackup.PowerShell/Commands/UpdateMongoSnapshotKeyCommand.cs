using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Rotates the key of encrypted snapshots: each snapshot's data key is unwrapped with the current key and wrapped
/// under the new one, and only its manifest is rewritten; data files stay exactly as they are. Outputs each
/// snapshot as it now is. A snapshot that does not open with the current key is a non-terminating error. When the
/// repository's settings pin the current key and no snapshot is left under it, the pin moves to the new key
/// (<see cref="RotatedKeyPin"/>); otherwise a warning names the snapshots left under the pinned key.
/// </summary>
[Cmdlet(VerbsData.Update, "MongoSnapshotKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MongoSnapshot), typeof(MongoPlannedAction))]
public sealed class UpdateMongoSnapshotKeyCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    /// <summary>The snapshots to rotate; every encrypted snapshot of the repository when omitted.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    [Alias("SnapshotId")]
    public string[]? Id { get; set; }

    [Parameter]
    [ValidateNotNull]
    [SecureStringArgument]
    public SecureString? EncryptionKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKeyFile { get; set; }

    [Parameter]
    [ValidateNotNull]
    [SecureStringArgument]
    public SecureString? NewEncryptionKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NewEncryptionKeyFile { get; set; }

    private KeyRotation? _rotation;
    private ISnapshotRepository? _repository;
    private readonly HashSet<string> _planned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    // Every snapshot named (by -Id or piped in), collected so every confirmation is asked before any manifest is rewritten.
    private readonly List<SnapshotManifest> _selected = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    // The snapshots this run has re-keyed: named by any later failure or unanswerable prompt, since the old key no longer opens them.
    private readonly List<string> _rotated = [];

    /// <inheritdoc/>
    protected override string? DoneSoFar => _rotated.Count == 0 ? null : RotatedSoFar();

    protected override void BeginProcessing() => RunCommand(() =>
    {
        var current = EncryptionKeyArguments.BuildExisting(EncryptionKey, EncryptionKeyFile, ResolvePath, WriteWarning)
            ?? throw new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                "Give the key the snapshots are encrypted with now: -EncryptionKey or -EncryptionKeyFile.", target: "EncryptionKey");
        var replacement = EncryptionKeyArguments.Build(NewEncryptionKey, NewEncryptionKeyFile, ResolvePath, WriteWarning, "NewEncryptionKey", "NewEncryptionKeyFile")
            ?? throw new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                "Give the key to rotate to: -NewEncryptionKey or -NewEncryptionKeyFile.", target: "NewEncryptionKey");
        _repository = OpenRepositoryArgument(Repository, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write);
        // A new passphrase is stretched with the repository's salt, as its backups are: one fingerprint per key here.
        _rotation = Await(ct => KeyRotation.ForRepositoryAsync(current, replacement, new SnapshotCatalog(_repository), ct));
    });

    /// <summary>Collects the snapshots; nothing is rewritten until every one of them has been confirmed (EndProcessing).</summary>
    protected override void ProcessRecord() => RunCommand(() =>
    {
        foreach (var manifest in Selected(_repository!))
            if (_seen.Add(manifest.Id)) _selected.Add(manifest);
    });

    /// <summary>
    /// Asks every confirmation, then re-keys the confirmed snapshots. When every snapshot was asked for, those committed
    /// under the current key while the rotation ran (a scheduled oplog slice admitted before the pin moved) are rotated
    /// too, before and after the pin moves; then the pin follows.
    /// </summary>
    protected override void EndProcessing() => RunCommand(() =>
    {
        var repository = _repository!;
        if (_rotation is null) return;
        var currentParameter = EncryptionKey is null ? "-EncryptionKeyFile" : "-EncryptionKey";
        if (Await(ct => NothingToRotate.DescribeAsync(_rotation, _selected, new SnapshotCatalog(repository), currentParameter, ct)) is { } nothing)
            WriteWarning(nothing);
        Rotate(_selected);
        if (Id is null && !IsWhatIf()) Rotate(Leftovers(repository));
        var outcome = Await(ct => RotatedKeyPin.DecideAsync(_rotation, repository, _planned, ct));
        if (outcome.Settings is null)
        {
            if (outcome.Message is { } stays) WriteWarning(stays);
            return;
        }
        if (IsWhatIf())
        {
            WritePlannedAction("Re-pin", repository.Location, outcome.Message!);
            return;
        }
        if (!ShouldProcess(repository.Location, $"Pin key {_rotation.NewFingerprint} in the repository's settings")) return;
        Await(async ct => { await RotatedKeyPin.ApplyAsync(outcome, repository, ct); return true; });
        WriteVerbose(outcome.Message!);
        if (Id is null) Rotate(Leftovers(repository));
    });

    /// <summary>Complete snapshots still under the current key that the rotation applies to, save those it already failed on.</summary>
    private IEnumerable<SnapshotManifest> Leftovers(ISnapshotRepository repository) =>
        Await(new SnapshotCatalog(repository).CompleteAsync)
            .Where(s => !_failed.Contains(s.Id) && _rotation!.Applies(s) && _rotation.IsUnderCurrentKey(s));

    /// <summary>
    /// Re-keys <paramref name="manifests"/>: every confirmation first (an answer that cannot be given then stops the run
    /// before any rewrite), then the rewrites. A snapshot that fails is a non-terminating error naming the snapshots already
    /// re-keyed, so the new key is never taken for unused.
    /// </summary>
    private void Rotate(IEnumerable<SnapshotManifest> manifests)
    {
        var repository = _repository!;
        var applicable = new List<SnapshotManifest>();
        foreach (var manifest in manifests)
        {
            if (!_rotation!.Applies(manifest))
            {
                WriteVerbose(manifest.Encryption is null
                    ? $"Snapshot {manifest.Id} is not encrypted: nothing to rotate."
                    : $"Snapshot {manifest.Id} is already under key {_rotation.NewFingerprint}.");
                continue;
            }
            if (IsWhatIf()) WritePlan(manifest);
            else applicable.Add(manifest);
        }
        var confirmed = applicable
            .Where(m => ShouldProcess(m.Id, $"Re-wrap the data key of snapshot {m.Id} (key {m.Encryption!.KeyId}) under key {_rotation!.NewFingerprint} and rewrite its manifest"))
            .ToList();
        foreach (var manifest in confirmed)
        {
            try
            {
                var rotated = Await(ct => _rotation!.RotateAsync(repository, manifest, ct));
                _rotated.Add(manifest.Id);
                WriteObject(MongoSnapshot.FromManifest(rotated, repository, Await(ct => VerificationRecord.ReadAsync(repository, rotated.Id, ct)), sourceId: null));
            }
            catch (MongoBackupException e)
            {
                // One snapshot under another key, or a storage failure, must not stop the rest of the rotation.
                _failed.Add(manifest.Id);
                WriteError(EngineErrors.ToRecord(_rotated.Count == 0 ? e
                    : new MongoBackupException(e.ErrorId, $"{e.Message} Not re-keyed: {manifest.Id}; {RotatedSoFar()}.", e, e.Target ?? manifest.Id)));
            }
        }
    }

    private string RotatedSoFar() =>
        $"already re-keyed under key {_rotation!.NewFingerprint} (the new key; the current key no longer opens {(_rotated.Count == 1 ? "it" : "them")}): " +
        string.Join(", ", _rotated);

    /// <summary>The dry run: the current key is tried on the snapshot, as the rotation tries it.</summary>
    private void WritePlan(SnapshotManifest manifest)
    {
        MongoBackupException? refusal = null;
        try { _rotation!.CheckCurrentKey(manifest); }
        catch (MongoBackupException e) { refusal = e; }
        if (refusal is null) _planned.Add(manifest.Id);
        WritePlannedAction("Re-key", manifest.Id,
            $"re-wrap the data key (now under key {manifest.Encryption!.KeyId}) under key {_rotation!.NewFingerprint}; only the manifest is rewritten",
            _repository!.Location, refusal);
    }

    private IEnumerable<SnapshotManifest> Selected(ISnapshotRepository repository)
    {
        var catalog = new SnapshotCatalog(repository);
        if (Id is null) return Await(catalog.CompleteAsync);
        var selected = new List<SnapshotManifest>();
        IEnumerable<string> ids;
        try { ids = SnapshotIdPatterns.Expand(catalog, Id, Await); }
        catch (MongoBackupException e) { WriteError(EngineErrors.ToRecord(e)); return selected; }
        foreach (var id in ids)
        {
            try { selected.Add(Await(ct => SnapshotCatalog.FindAsync(repository, id, ct))); }
            catch (MongoBackupException e) { WriteError(EngineErrors.ToRecord(e)); }
        }
        return selected;
    }
}
