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
/// snapshot as it now is. A snapshot that does not open with the current key is a non-terminating error.
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
    public SecureString? EncryptionKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKeyFile { get; set; }

    [Parameter]
    [ValidateNotNull]
    public SecureString? NewEncryptionKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NewEncryptionKeyFile { get; set; }

    private KeyRotation? _rotation;
    private ISnapshotRepository? _repository;

    protected override void BeginProcessing() => RunCommand(() =>
    {
        var current = EncryptionKeyArguments.Build(EncryptionKey, EncryptionKeyFile, ResolvePath, WriteWarning)
            ?? throw new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                "Give the key the snapshots are encrypted with now: -EncryptionKey or -EncryptionKeyFile.", target: "EncryptionKey");
        var replacement = EncryptionKeyArguments.Build(NewEncryptionKey, NewEncryptionKeyFile, ResolvePath, WriteWarning, "NewEncryptionKey", "NewEncryptionKeyFile")
            ?? throw new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                "Give the key to rotate to: -NewEncryptionKey or -NewEncryptionKeyFile.", target: "NewEncryptionKey");
        // One new key (one new passphrase salt) for every snapshot of this command.
        _rotation = new KeyRotation(current, replacement);
        _repository = OpenRepositoryArgument(Repository, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write);
    });

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repository = _repository!;
        foreach (var manifest in Selected(repository))
        {
            if (!_rotation!.Applies(manifest))
            {
                WriteVerbose(manifest.Encryption is null
                    ? $"Snapshot {manifest.Id} is not encrypted: nothing to rotate."
                    : $"Snapshot {manifest.Id} is already under key {_rotation.NewFingerprint}.");
                continue;
            }
            if (IsWhatIf())
            {
                WritePlan(manifest);
                continue;
            }
            if (!ShouldProcess(manifest.Id, $"Re-wrap the data key of snapshot {manifest.Id} (key {manifest.Encryption!.KeyId}) under key {_rotation.NewFingerprint} and rewrite its manifest"))
                continue;
            try
            {
                var rotated = Await(ct => _rotation.RotateAsync(repository, manifest, ct));
                WriteObject(MongoSnapshot.FromManifest(rotated, repository));
            }
            catch (MongoBackupException e)
            {
                // One snapshot under another key must not stop the rest of the rotation.
                WriteError(EngineErrors.ToRecord(e));
            }
        }
    });

    /// <summary>
    /// The dry run: the current key is tried on the snapshot, as the rotation tries it. A new passphrase gets a new salt
    /// when the rotation runs, so its fingerprint is not known before; a new key file's is.
    /// </summary>
    private void WritePlan(SnapshotManifest manifest)
    {
        MongoBackupException? refusal = null;
        try { _rotation!.CheckCurrentKey(manifest); }
        catch (MongoBackupException e) { refusal = e; }
        var to = _rotation!.NewFingerprintIsPerRun
            ? "a key derived from -NewEncryptionKey with a new salt (its fingerprint is set when the rotation runs)"
            : $"key {_rotation.NewFingerprint}";
        WritePlannedAction("Re-key", manifest.Id, $"re-wrap the data key (now under key {manifest.Encryption!.KeyId}) under {to}; only the manifest is rewritten",
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
