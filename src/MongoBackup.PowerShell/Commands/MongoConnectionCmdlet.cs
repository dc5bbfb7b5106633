using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Commands;

/// <summary>The parameters that say which server to talk to and how, shared by every cmdlet that connects.</summary>
public abstract class MongoConnectionCmdlet : MongoEngineCmdlet, IConnectionArguments
{
    /// <summary>
    /// A mongodb:// or mongodb+srv:// URI. A password in it is redacted everywhere it is shown, and warned about once per
    /// command: -Credential keeps it out of scripts and history.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [Alias("Uri")]
    public string ConnectionString { get; set; } = "";

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

    protected ConnectionSettings BuildConnection(string readPreference = "primary") => Connect(this, readPreference);
}
