using System.Management.Automation;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// A connection string given where a path goes, or a path given as -ConnectionString: most often positional arguments
/// in the wrong order (Restore-MongoDatabase takes -ConnectionString, then -Path). Without this check PowerShell reads
/// "mongodb://..." as a path on a drive named 'mongodb' and says only that the drive does not exist.
/// </summary>
public static class MisplacedArguments
{
    /// <summary>The parameters that take a connection string.</summary>
    private static readonly string[] ConnectionParameters = ["ConnectionString"];

    /// <summary>
    /// The error for the first misplaced argument among <paramref name="bound"/> (the command's bound parameters), naming
    /// the parameter, what it was given and where that value goes; null when none is misplaced. A connection string's
    /// secrets never appear in it.
    /// </summary>
    public static MongoBackupException? Find(string command, IDictionary<string, object> bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var connection = ConnectionParameters.Select(p => bound.TryGetValue(p, out var v) ? Text(v) : null).FirstOrDefault(v => v is not null);
        // Every string parameter that takes a path or a repository location: a mongodb:// URI there is the misplaced one.
        var uriAsPath = bound
            .Where(p => !ConnectionParameters.Contains(p.Key, StringComparer.OrdinalIgnoreCase))
            .Select(p => (p.Key, Value: Text(p.Value)))
            .FirstOrDefault(p => p.Value is not null && TakesPath(p.Key) && IsConnectionString(p.Value));
        var positions = $"Positionally, {command} takes -ConnectionString first";
        if (connection is not null && LooksLikePath(connection))
        {
            var swapped = uriAsPath.Key is not null
                ? $" and -{uriAsPath.Key} was given the connection string '{ConnectionStringRedactor.Redact(uriAsPath.Value!)}': the two are swapped. {positions}, then -{uriAsPath.Key}"
                : $". {positions}";
            return new MongoBackupException(ErrorIds.InvalidConnectionString,
                $"-ConnectionString was given '{connection}', which is a path, not a mongodb:// or mongodb+srv:// connection string{swapped}; " +
                $"name them to be sure: {command} -ConnectionString 'mongodb://host:27017' ...", target: connection);
        }
        if (uriAsPath.Key is not null)
            return new MongoBackupException(ErrorIds.InvalidArgument,
                $"-{uriAsPath.Key} was given the connection string '{ConnectionStringRedactor.Redact(uriAsPath.Value!)}', not a path: " +
                $"a server's address goes to -ConnectionString" +
                (connection is null ? "." : $" (given '{ConnectionStringRedactor.Redact(connection)}' here). {positions}, then -{uriAsPath.Key}; name them to be sure."),
                target: ConnectionStringRedactor.Redact(uriAsPath.Value!));
        return null;
    }

    private static string? Text(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value) as string;

    /// <summary>Parameters whose value is a file, folder or repository location.</summary>
    private static bool TakesPath(string parameter) =>
        parameter is "Path" or "Repository" or "Destination" || parameter.EndsWith("File", StringComparison.Ordinal);

    private static bool IsConnectionString(string value) =>
        value.StartsWith("mongodb://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Clearly a path or a repository, never a connection string: a folder or file that exists, a repository URL
    /// (file://, az://, s3://), or a name that starts as a path does ("/srv/repo", "./backups", "~/repo", "C:\dump",
    /// "\\server\share"). A host without a scheme ("localhost:27017", "db1:27017,db2:27017/?replicaSet=rs0", which the
    /// module takes as a connection string) is not one, though it holds a '/'.
    /// </summary>
    public static bool LooksLikePath(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || IsConnectionString(value)) return false;
        if (value.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("az://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)) return true;
        if (value.Contains("://", StringComparison.Ordinal)) return false;
        var windowsDrive = value.Length >= 3 && char.IsAsciiLetter(value[0]) && value[1] == ':' && value[2] is '\\' or '/';
        return value.StartsWith('/') || value.StartsWith('\\') || value.StartsWith('.') || value.StartsWith('~') || windowsDrive
               || Directory.Exists(value) || File.Exists(value);
    }
}
