using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Rotates the key of encrypted snapshots: each snapshot's data key is unwrapped with the current key and wrapped
/// under the new one, and only its manifest is rewritten; data files stay exactly as they are. Outputs each
/// snapshot as it now is. A snapshot that does not open with the current key is a non-terminating error.
/// </summary>
[Cmdlet(VerbsData.Update, "MongoSnapshotKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MongoSnapshot))]
public sealed class UpdateMongoSnapshotKeyCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    /// <summary>The snapshots to rotate; every encrypted snapshot of the repository when omitted.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
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
        _repository = OpenRepositoryArgument(Repository);
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

    private IEnumerable<SnapshotManifest> Selected(ISnapshotRepository repository)
    {
        if (Id is null) return Await(ct => SnapshotCatalog.LoadCompleteAsync(repository, ct));
        var selected = new List<SnapshotManifest>();
        foreach (var id in Id)
        {
            try { selected.Add(Await(ct => SnapshotCatalog.FindAsync(repository, id, ct))); }
            catch (MongoBackupException e) { WriteError(EngineErrors.ToRecord(e)); }
        }
        return selected;
    }
}
