using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// What users type as a connection string, made into one the driver reads: "host", "host:port" and
/// "host1:port,host2:port" (as the mongo shell and mongodump's --host take them) become mongodb://...; anything the
/// driver would refuse with only "is not valid" is refused here with the reason and the fix.
/// </summary>
public static partial class ConnectionStringText
{
    /// <summary>
    /// The connection string the driver reads: trimmed, with "host", "host:port" or a host list prefixed with mongodb://.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidConnectionString: empty, or a form the driver would refuse; the message (with any password masked) says why and what to give.</exception>
    public static string Normalize(string connectionString)
    {
        var text = (connectionString ?? "").Trim();
        if (text.Length == 0)
            throw Invalid(text, "it is empty", "Give mongodb://host:port, mongodb+srv://cluster.example.net, or just host:port.");
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
            return HostList().IsMatch(text) ? "mongodb://" + text
                : throw Invalid(text, "it has no mongodb:// or mongodb+srv:// scheme and is not a host:port list",
                    "Write it as mongodb://host:port/?options (or mongodb+srv://cluster.example.net), or as host:port.");
        var prefix = text[..scheme];
        if (!prefix.Equals("mongodb", StringComparison.OrdinalIgnoreCase) && !prefix.Equals("mongodb+srv", StringComparison.OrdinalIgnoreCase))
            throw Invalid(text, $"it starts with {prefix}://", "A MongoDB connection string starts with mongodb:// or mongodb+srv://.");
        var rest = text[(scheme + 3)..];
        var authority = rest.Split('/', '?')[0];
        var hosts = authority[(authority.LastIndexOf('@') + 1)..];
        if (hosts.Length == 0)
            throw Invalid(text, "it names no host", "Add the host after mongodb://, for example mongodb://db1:27017/.");
        foreach (var host in hosts.Split(','))
        {
            var port = PortOf(host);
            if (port is not null && !Port().IsMatch(port))
                throw Invalid(text, $"the port '{port}' of '{host}' is not a number", "Write host:port with a port from 1 to 65535, for example db1:27017.");
        }
        return text;
    }

    /// <summary>The port part of "host:port" or "[v6]:port"; null when there is none.</summary>
    private static string? PortOf(string host)
    {
        var closing = host.LastIndexOf(']');
        var colon = host.LastIndexOf(':');
        return colon > closing && (closing >= 0 || host.IndexOf(':') == colon) ? host[(colon + 1)..] : null;
    }

    private static MongoBackupException Invalid(string text, string cause, string fix) =>
        new(ErrorIds.InvalidConnectionString,
            $"'{ConnectionStringRedactor.Redact(text)}' is not a MongoDB connection string: {cause}. {fix}",
            target: ConnectionStringRedactor.Redact(text));

    // host, host:port, [v6]:port, comma-separated, optionally followed by /database and ?options.
    [GeneratedRegex(@"^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:,(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?)*(?:/[^/\s?]*)?(?:\?\S*)?$")]
    private static partial Regex HostList();

    [GeneratedRegex(@"^\d{1,5}$")]
    private static partial Regex Port();
}
