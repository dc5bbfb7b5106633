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
[OutputType(typeof(MongoSnapshotTestResult))]
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
    public SecureString? TlsCertificatePassword { get; set; }

    /// <summary>Seconds to wait for the server to answer before saying why it did not (the default is 10 to 15).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int? ConnectTimeout { get; set; }

    string IConnectionArguments.ConnectionString => ConnectionString ?? "";

    protected override void ProcessRecord() => ForEachSnapshot((repository, id, snapshot) =>
    {
        RequireComplete(snapshot, "tested");
        var connection = RestoreTarget();
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

    private ConnectionSettings? RestoreTarget() =>
        ConnectionString is null ? null : ConnectionArguments.Build(this, ResolvePath, WriteWarning);
}
