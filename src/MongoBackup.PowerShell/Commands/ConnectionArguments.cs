using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// The connection parameters, as every cmdlet that talks to a server declares them (the connecting cmdlets through
/// <see cref="MongoConnectionCmdlet"/>; Test-MongoSnapshot beside its snapshot parameters), so they read alike.
/// </summary>
public interface IConnectionArguments
{
    string ConnectionString { get; }
    PSCredential? Credential { get; }
    string AuthenticationDatabase { get; }
    string? TlsCaFile { get; }
    SwitchParameter TlsAllowInvalidCertificate { get; }
    string? TlsCertificateFile { get; }
    SecureString? TlsCertificatePassword { get; }
    int? ConnectTimeout { get; }
}

/// <summary>Turns bound connection parameters into the engine's settings, the same way for every cmdlet.</summary>
public static class ConnectionArguments
{
    /// <summary>The settings in one debug line, without any secret.</summary>
    public static string Describe(ConnectionSettings settings) =>
        $"Connecting to {settings.DisplayName}: read preference {settings.ReadPreference}, " +
        $"{(settings.ConnectTimeout is { } timeout ? $"timeout {timeout.TotalSeconds:0} s" : "the connection string's timeouts")}, " +
        $"{(settings.UserName is { } user ? $"user {user} (authentication database {settings.AuthenticationDatabase})" : settings.TlsCertificateFile is not null ? "X.509 certificate" : "no credential")}, " +
        $"TLS {(settings.TlsCaFile is not null || settings.TlsAllowInvalidCertificates || settings.TlsCertificateFile is not null ? "on" : "as the connection string says")}.";

    /// <summary>
    /// The warning for a connection string that carries a password (or another secret option), naming the ways that keep it
    /// out of scripts and history; never the secret itself. Null when it carries none.
    /// </summary>
    public static string? SecretWarning(string connectionString)
    {
        var names = ConnectionStringRedactor.SecretNamesOf(connectionString);
        if (names.Count == 0) return null;
        var what = names is ["password"] ? "a password" : $"secrets ({string.Join(", ", names)})";
        return $"The connection string holds {what}: shown here as {ConnectionStringRedactor.Mask}, but it stays in your script, in the PowerShell " +
               "history (Get-History, PSReadLine's history file) and in process listings. Give the user's password with -Credential instead " +
               "(Get-Credential, or a credential from a SecretManagement vault), a certificate key's password with -TlsCertificatePassword; " +
               "a scheduled run reads MONGOBACKUP_USERNAME and MONGOBACKUP_PASSWORD_FILE (about_MongoBackup_Scheduling).";
    }

    public static ConnectionSettings Build(IConnectionArguments arguments, Func<string, string> resolvePath, Action<string> warn, string readPreference = "primary")
    {
        var credential = arguments.Credential is { } c && c != PSCredential.Empty ? c : null;
        if (arguments.TlsAllowInvalidCertificate.IsPresent)
            warn("-TlsAllowInvalidCertificate: the server's certificate is not checked, so anyone between here and the server can read and change this session, credentials included.");
        return new ConnectionSettings
        {
            ConnectionString = arguments.ConnectionString,
            UserName = credential?.UserName,
            Password = credential?.Password,
            AuthenticationDatabase = arguments.AuthenticationDatabase,
            TlsCaFile = arguments.TlsCaFile is { } ca ? resolvePath(ca) : null,
            TlsAllowInvalidCertificates = arguments.TlsAllowInvalidCertificate.IsPresent,
            TlsCertificateFile = arguments.TlsCertificateFile is { } certificate ? resolvePath(certificate) : null,
            TlsCertificatePassword = arguments.TlsCertificatePassword,
            ReadPreference = readPreference,
            ConnectTimeout = arguments.ConnectTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
    }
}
