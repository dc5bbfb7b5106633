using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Verifies snapshots: every file's size and SHA-256, decompression, and every document's BSON structure; with
/// -ConnectionString, also a restore into scratch databases whose counts are compared with the manifest. Outputs a
/// result per snapshot; a failed check is also a non-terminating SnapshotTestFailed error naming the file.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MongoSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(MongoSnapshotTestResult), typeof(MongoPlannedAction))]
public sealed class TestMongoSnapshotCommand : MongoEncryptedSnapshotCmdlet, IConnectionArguments
{
    /// <summary>A server to restore into as a further check; the scratch databases are dropped afterwards.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("Uri")]
    public string? ConnectionString { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string AuthenticationDatabase { get; set; } = "admin";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsCaFile { get; set; }

    /// <summary>Skips every check of the server's certificate; a warning says so on every use.</summary>
    [Parameter]
    public SwitchParameter TlsAllowInvalidCertificate { get; set; }

    /// <summary>A client certificate (PEM with its private key, or PFX) for mutual TLS and X.509 authentication.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsCertificateFile { get; set; }

    /// <summary>The password of the -TlsCertificateFile PFX or encrypted PEM key.</summary>
    [Parameter]
    [ValidateNotNull]
    [SecureStringArgument]
    public SecureString? TlsCertificatePassword { get; set; }

    /// <summary>Seconds to wait for the server to answer before saying why it did not (the default is 10 to 15).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int? ConnectTimeout { get; set; }

    string IConnectionArguments.ConnectionString => ConnectionString ?? "";

    protected override string Doing => "test";

    protected override void ProcessRecord() => ForEachSnapshot((repository, id, snapshot) =>
    {
        RequireComplete(snapshot, "tested");
        var connection = RestoreTarget();
        if (IsWhatIf())
        {
            WritePlan(repository, id, connection);
            return;
        }
        // Reading files changes nothing; only the scratch restore writes to a server, so only it asks.
        if (connection is not null && !ShouldProcess(connection.DisplayName, $"Restore snapshot {id} into scratch databases, compare counts, drop them"))
            connection = null;
        var verification = RunEngine((observer, ct) => new SnapshotVerifier(observer).VerifyAsync(repository, id, connection, Keys, ct));
        var result = MongoSnapshotTestResult.FromVerification(verification);
        WriteObject(result);
        if (!result.Passed)
            WriteError(EngineErrors.ToRecord(new MongoBackupException(ErrorIds.SnapshotTestFailed,
                $"Snapshot {id} failed its test: {string.Join(" ", result.Problems)}", target: id), result));
    });

    /// <summary>
    /// The dry run: what the test would check, from the manifest alone (no file is read), and with -ConnectionString the
    /// scratch restore, once the server has been reached as the test reaches it; nothing is written.
    /// </summary>
    private void WritePlan(Engine.Repository.ISnapshotRepository repository, string id, ConnectionSettings? connection)
    {
        var plan = Await(ct => VerificationPlan.BuildAsync(repository, id, connection, Keys, ct));
        var manifest = plan.Manifest;
        var checks = plan.Parses ? "size, SHA-256, decompression and every document's BSON" : "size and SHA-256 only (encrypted, no key given)";
        WritePlannedAction("Verify", id, $"{manifest.Files.Count} files ({ByteSize.Format(manifest.Files.Sum(f => f.Size))}) of {manifest.Kind.ToString().ToLowerInvariant()} " +
            $"snapshot in {repository.Location}: {checks}, and the manifest's counts and ranges", repository.Location);
        if (connection is null) return;
        var databases = manifest.Namespaces.Select(n => n.Database).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        WritePlannedAction("Restore into scratch databases", connection.DisplayName,
            plan.Parses ? $"databases {string.Join(", ", databases)} of snapshot {id} restored as <database>__verify_<random>, counts compared with the manifest, then dropped"
                : "skipped: the snapshot is encrypted and no key was given", id);
    }

    private ConnectionSettings? RestoreTarget() =>
        ConnectionString is null ? null : Connect(this);
}
