using System.Management.Automation;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Commands;

/// <summary>The parameters that say which server to talk to and how, shared by every cmdlet that connects.</summary>
public abstract class MongoConnectionCmdlet : MongoEngineCmdlet
{
    /// <summary>A mongodb:// or mongodb+srv:// URI. A password in it is redacted everywhere it is shown.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
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

    [Parameter]
    public SwitchParameter TlsAllowInvalidCertificate { get; set; }

    protected ConnectionSettings BuildConnection(string readPreference = "primary")
    {
        var credential = Credential is { } c && c != PSCredential.Empty ? c : null;
        return new ConnectionSettings
        {
            ConnectionString = ConnectionString,
            UserName = credential?.UserName,
            Password = credential?.Password,
            AuthenticationDatabase = AuthenticationDatabase,
            TlsCaFile = TlsCaFile is null ? null : ResolvePath(TlsCaFile),
            TlsAllowInvalidCertificates = TlsAllowInvalidCertificate.IsPresent,
            ReadPreference = readPreference,
        };
    }
}
