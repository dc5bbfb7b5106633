using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Auth;

/// <summary>
/// What a user's built-in roles let it run, for the commands whose privileges this server models. The root user the
/// server starts with (and any user holding root) runs everything. Another user, made with createUser and built-in roles
/// on admin, runs: the commands that need no privilege; the cluster-resource commands below, when one of its roles grants
/// the action; and the reading commands, when one of its roles reads any database. Everything else is refused with
/// Unauthorized, naming this model's limit, never run quietly: collection-level privileges, user-defined roles and every
/// role not listed are not modelled.
/// <para>
/// Source: MongoDB's src/mongo/db/auth/role_graph_builtins.cpp. addClusterMonitorPrivileges grants, on the cluster
/// resource, replSetGetConfig, replSetGetStatus, serverStatus, listDatabases, getParameter and hostInfo (among others);
/// addBackupPrivileges grants appendOplogNote and serverStatus, and through addQueryableBackupPrivileges listDatabases,
/// getParameter, find on any normal resource and listCollections and listIndexes on any resource, but not
/// replSetGetConfig; readAnyDatabase grants listDatabases and find, listCollections and listIndexes everywhere. Each
/// command's action is its getAuthActionSet (replSetGetConfig needs ActionType::replSetGetConfig on the cluster).
/// </para>
/// </summary>
internal static class BuiltinRolePrivileges
{
    private static readonly Dictionary<string, HashSet<string>> ClusterActions = new(StringComparer.Ordinal)
    {
        ["clusterMonitor"] = ["replSetGetConfig", "replSetGetStatus", "serverStatus", "listDatabases", "getParameter", "hostInfo"],
        ["backup"] = ["appendOplogNote", "serverStatus", "listDatabases", "getParameter"],
        ["readAnyDatabase"] = ["listDatabases"],
    };

    private static readonly HashSet<string> ReadsAnyDatabase = new(StringComparer.Ordinal) { "backup", "readAnyDatabase" };

    /// <summary>Commands whose action is one on the cluster resource: the action has the command's name.</summary>
    private static readonly HashSet<string> ClusterCommands = new(StringComparer.Ordinal)
        { "replSetGetConfig", "replSetGetStatus", "serverStatus", "listDatabases", "getParameter", "hostInfo", "appendOplogNote" };

    /// <summary>Reading commands: find and its cursor, the catalog listings, counts and statistics.</summary>
    private static readonly HashSet<string> ReadCommands = new(StringComparer.Ordinal)
        { "find", "getMore", "killCursors", "listCollections", "listIndexes", "count", "aggregate", "collStats", "dbStats" };

    /// <summary>Commands any authenticated user may run (no privilege: handshakes, sessions, the user's own status).</summary>
    private static readonly HashSet<string> Unprivileged = new(StringComparer.Ordinal)
        { "hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo", "connectionStatus", "endSessions", "logout", "getLastError", "whatsmyuri" };

    /// <summary>Refuses <paramref name="command"/> unless the connection's user may run it (see the class summary).</summary>
    /// <exception cref="CommandFailure">Unauthorized (13), as MongoDB refuses a command the user lacks the privilege for.</exception>
    public static void Require(ServerState server, ConnectionState connection, string command, string database)
    {
        if (connection.IsInternal || !connection.IsAuthenticated || Unprivileged.Contains(command)) return;
        var roles = connection.Roles ??= RolesOf(server, connection);
        if (roles.Contains("root")) return;
        if (ClusterCommands.Contains(command)
            ? roles.Any(r => ClusterActions.TryGetValue(r, out var actions) && actions.Contains(command))
            : ReadCommands.Contains(command) && roles.Any(ReadsAnyDatabase.Contains))
            return;
        var modelled = ClusterCommands.Contains(command) || ReadCommands.Contains(command)
            ? ""
            : $" (the test server models the privileges of users other than root for {string.Join(", ", Unprivileged.Concat(ClusterCommands).Concat(ReadCommands).Order(StringComparer.Ordinal))} only)";
        throw CommandFailure.Unauthorized(
            $"not authorized on {database} to execute command {{ {command}: ... }}: user {connection.AuthenticatedUser}@{connection.AuthenticatedDatabase} has roles {string.Join(", ", roles)}{modelled}");
    }

    /// <summary>The names of the user's roles on admin; a role on another database, or one not modelled here, is refused at its first privileged command.</summary>
    private static IReadOnlyList<string> RolesOf(ServerState server, ConnectionState connection)
    {
        var user = AuthCommands.FindUser(server.Catalog, connection.AuthenticatedDatabase!, connection.AuthenticatedUser!);
        var roles = new List<string>();
        foreach (var role in user?["roles"].AsBsonArray ?? [])
        {
            var (name, db) = (role["role"].AsString, role["db"].AsString);
            if (db != "admin" || (name != "root" && !ClusterActions.ContainsKey(name)))
                throw CommandFailure.Unauthorized($"the test server does not model the privileges of role {name} on {db} (it models root, {string.Join(", ", ClusterActions.Keys)} on admin)");
            roles.Add(name);
        }
        return roles;
    }
}
