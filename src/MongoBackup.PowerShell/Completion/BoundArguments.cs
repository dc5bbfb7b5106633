using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Reads the other arguments of a command line being completed (PowerShell's fakeBoundParameters): only what it
/// could evaluate without running anything is there, so every value may be missing or of an unexpected type.
/// </summary>
internal sealed class BoundArguments(IDictionary fakeBoundParameters)
{
    public object? Value(string name)
    {
        var value = fakeBoundParameters.Contains(name) ? fakeBoundParameters[name] : null;
        return value is PSObject wrapped ? wrapped.BaseObject : value;
    }

    public string? Text(string name) => Value(name) switch
    {
        string s when s.Length > 0 => s,
        MongoRepository repository => Remembered(repository),
        _ => null,
    };

    public IReadOnlyList<string> Texts(string name) => Value(name) switch
    {
        string s => [s],
        IEnumerable many => many.Cast<object?>().Select(v => v is PSObject p ? p.BaseObject : v).OfType<string>().ToList(),
        _ => [],
    };

    /// <summary>The connection the command line names, or null when -ConnectionString is not there yet.</summary>
    public ConnectionSettings? Connection()
    {
        if (Text("ConnectionString") is not { } connectionString) return null;
        var credential = Value("Credential") as PSCredential;
        return new ConnectionSettings
        {
            ConnectionString = connectionString,
            UserName = credential?.UserName,
            Password = credential?.Password,
            AuthenticationDatabase = Text("AuthenticationDatabase") ?? "admin",
            TlsCaFile = Text("TlsCaFile") is { } ca ? ResolvePath(ca) : null,
            TlsAllowInvalidCertificates = Value("TlsAllowInvalidCertificate") is SwitchParameter { IsPresent: true } or true,
        };
    }

    /// <summary>A path as the user typed it, resolved against PowerShell's current location (not the process's).</summary>
    public static string ResolvePath(string path)
    {
        if (Runspace.DefaultRunspace is null) return Path.GetFullPath(path);
        using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddScript("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").AddArgument(path);
        return shell.Invoke<string>().FirstOrDefault() ?? Path.GetFullPath(path);
    }

    // A New-MongoRepository object on the command line signs in as it will when the command runs.
    private static string Remembered(MongoRepository repository)
    {
        RepositoryResolver.Remember(repository);
        return repository.Location;
    }
}
