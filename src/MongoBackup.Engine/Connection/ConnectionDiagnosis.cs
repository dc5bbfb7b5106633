using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Servers;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// Explains why no server could be selected, from what the driver learned of each member (its cluster description):
/// nothing listening, a host that does not resolve, a service that is not MongoDB, a peer that closes or stays silent,
/// no answer, a TLS failure (each as <see cref="HeartbeatCause"/> reads the member's failed check), a replica set name
/// that is not the server's, or no member that the read preference accepts. Each explanation leads with the cause and says the fix;
/// the driver's own dump stays in the inner exception.
/// </summary>
public static class ConnectionDiagnosis
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Why server selection failed, from the driver's cluster description (probing a silent host for up to 3 s): the cause
    /// first, then the fix, naming the hosts; the message of a ServerUnreachable error.
    /// </summary>
    public static string Explain(IMongoClient client)
    {
        var settings = client.Settings;
        var cluster = client.Cluster.Description;
        var seeds = string.Join(",", settings.Servers.Select(s => s.ToString()));
        var failures = cluster.Servers.Where(s => s.HeartbeatException is not null).ToList();
        if (failures.Count > 0 && failures.Count == cluster.Servers.Count)
            return string.Join(" ", failures.Select(s => Unreachable(s, settings)));
        if (cluster.Servers.Count == 0 && settings.ReplicaSetName is { } wanted)
            return WrongReplicaSet(settings, wanted) ?? $"No member of replica set '{wanted}' answered at {seeds}. Check the hosts and the replicaSet= option of the connection string.";
        var connected = cluster.Servers.Where(s => s.State == ServerState.Connected).ToList();
        if (connected.Count > 0)
            return NoMemberForReadPreference(connected, settings.ReadPreference, settings.ReplicaSetName);
        // No check has failed yet (the connect timeout is as long as the selection's): whether the port accepts a
        // connection tells a silent service from a host that does not answer at all.
        if (settings.Servers.All(AcceptsConnections))
            return Silent(seeds, settings.ServerSelectionTimeout);
        return $"No answer from {seeds} within {Seconds(settings.ServerSelectionTimeout)}: a firewall, a wrong address, a server that is down or is not MongoDB. Check the host and port, and that it is reachable from here; -ConnectTimeout waits longer.";
    }

    private static string Silent(string endpoint, TimeSpan waited) =>
        $"{endpoint} accepted the connection but did not answer MongoDB's hello within {Seconds(waited)}: a service that is not MongoDB " +
        "(a wrong port?), a proxy or firewall that holds connections open, or a server that is hung. Check the port; -ConnectTimeout waits longer.";

    private static bool AcceptsConnections(MongoServerAddress seed)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            tcp.ConnectAsync(seed.Host, seed.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
            return tcp.Connected;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// A set with no secondary at all cannot serve a read preference that needs one: said at once rather than after the
    /// server selection timeout. Null when the read preference can be served.
    /// </summary>
    public static string? ReadPreferenceUnservable(ReadPreference readPreference, BsonDocument hello)
    {
        if (readPreference.ReadPreferenceMode != ReadPreferenceMode.Secondary) return null;
        var members = hello.TryGetValue("hosts", out var hosts) ? hosts.AsBsonArray.Select(h => h.AsString).ToList() : [];
        if (members.Count > 1 || !hello.TryGetValue("setName", out var setName)) return null;
        return $"-ReadPreference secondary cannot be served: replica set '{setName.AsString}' has one member, {string.Join(",", members)}, its primary, and no secondary. " +
               "Use -ReadPreference secondaryPreferred (a secondary when there is one, else the primary) or primary.";
    }

    /// <summary>
    /// True when every server the driver knows failed its check with a cause waiting cannot change
    /// (<see cref="HeartbeatCause.IsDefinite"/>) and none is connected: a first contact can fail at once.
    /// </summary>
    public static bool DefinitelyUnreachable(ClusterDescription cluster) =>
        cluster.Servers.Count > 0 && cluster.Servers.All(s => s.State != ServerState.Connected && s.HeartbeatException is { } e && HeartbeatCause.IsDefinite(e));

    private static string Unreachable(ServerDescription server, MongoClientSettings settings)
    {
        var endpoint = EndPointText(server);
        var (kind, cause) = HeartbeatCause.Classify(server.HeartbeatException!);
        return kind switch
        {
            HeartbeatCauseKind.Refused =>
                $"Nothing is listening at {endpoint} (connection refused). Check that mongod is running there and the port: mongod listens on 27017 unless configured otherwise.",
            HeartbeatCauseKind.HostUnknown =>
                $"The host of {endpoint} does not resolve (DNS: {cause.Message}). Check the host name in the connection string.",
            HeartbeatCauseKind.NotMongoDB =>
                $"{endpoint} answered, but not as a MongoDB server: its reply is not MongoDB's wire protocol, so another service listens on that port. " +
                "Check the port in the connection string: mongod listens on 27017 unless configured otherwise.",
            HeartbeatCauseKind.ClosedWithoutReply =>
                $"{endpoint} accepted the connection and closed it without a MongoDB reply: a server that requires TLS (add tls=true, or -TlsCaFile), " +
                "a mongod at its connection limit, or a service that is not MongoDB. Check the port and the server's TLS settings.",
            HeartbeatCauseKind.Silent => Silent(endpoint, settings.ConnectTimeout),
            HeartbeatCauseKind.NoAnswer =>
                $"No answer from {endpoint} within {Seconds(settings.ConnectTimeout)} ({cause.Message}): a firewall, a wrong address, or the server is down. " +
                "Check that it is reachable from here, or wait longer with -ConnectTimeout.",
            HeartbeatCauseKind.Tls =>
                $"The TLS handshake with {endpoint} failed: {cause.Message} Check that the server uses TLS on that port (if it does not, drop tls=true), " +
                "-TlsCaFile and the server's certificate (its name must match the host you connect to).",
            HeartbeatCauseKind.Authentication => DriverErrors.AuthenticationFailed(endpoint, settings),
            _ => $"Cannot connect to {endpoint}: {FirstLine(ConnectionStringRedactor.RedactMessage(Innermost(cause).Message))}",
        };
    }

    /// <summary>
    /// The driver drops a member whose replica set name differs from replicaSet=, leaving nothing to report. Asking each
    /// seed directly (hello needs no authentication) names the set it does belong to.
    /// </summary>
    private static string? WrongReplicaSet(MongoClientSettings settings, string wanted)
    {
        foreach (var seed in settings.Servers)
        {
            var probe = settings.Clone();
            probe.Servers = [seed];
            probe.ReplicaSetName = null;
            probe.DirectConnection = true;
            probe.ServerSelectionTimeout = ProbeTimeout;
            probe.ConnectTimeout = ProbeTimeout;
            try
            {
                using var connection = MongoConnection.Open(probe, seed.ToString());
                using var timeout = new CancellationTokenSource(ProbeTimeout);
                var hello = connection.Client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: timeout.Token);
                return hello.TryGetValue("setName", out var actual)
                    ? $"The server at {seed} is a member of replica set '{actual.AsString}', not '{wanted}' as replicaSet={wanted} in the connection string says. Correct replicaSet= (replicaSet={actual.AsString})."
                    : $"The server at {seed} is a standalone server, not a member of replica set '{wanted}'. Remove replicaSet={wanted} from the connection string.";
            }
            catch (Exception e) when (e is MongoException or TimeoutException or OperationCanceledException)
            {
                // This seed does not answer either; try the next one.
            }
        }
        return null;
    }

    private static string NoMemberForReadPreference(IReadOnlyList<ServerDescription> connected, ReadPreference readPreference, string? setName)
    {
        var members = string.Join(", ", connected.Select(s => $"{EndPointText(s)} ({Role(s.Type)})"));
        var set = setName is null ? "the server" : $"replica set '{setName}'";
        var mode = readPreference.ReadPreferenceMode;
        var fix = mode switch
        {
            ReadPreferenceMode.Secondary => "Use -ReadPreference secondaryPreferred (a secondary when there is one, else the primary) or primary.",
            ReadPreferenceMode.Primary => "An election may be under way: retry in a moment, or read with -ReadPreference primaryPreferred or secondary.",
            _ => "Check the members' state with rs.status().",
        };
        return $"No member of {set} can serve read preference {ToText(mode)}: the members that answered are {members}. {fix}";
    }

    private static string ToText(ReadPreferenceMode mode) => char.ToLowerInvariant(mode.ToString()[0]) + mode.ToString()[1..];

    private static string Role(ServerType type) => type switch
    {
        ServerType.ReplicaSetPrimary => "primary",
        ServerType.ReplicaSetSecondary => "secondary",
        ServerType.ReplicaSetArbiter => "arbiter",
        ServerType.Standalone => "standalone",
        ServerType.ShardRouter => "mongos",
        _ => type.ToString(),
    };

    private static string EndPointText(ServerDescription server) => server.EndPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        var other => other.ToString() ?? "",
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.#} s";

    private static string FirstLine(string message)
    {
        var cut = message.IndexOfAny(['\r', '\n']);
        return cut < 0 ? message : message[..cut];
    }
}
