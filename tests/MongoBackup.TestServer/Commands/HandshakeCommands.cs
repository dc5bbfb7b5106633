using MongoBackup.TestServer.Oplog;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// hello / isMaster and the administrative commands drivers and tools run on connect or for diagnostics:
/// buildInfo, ping, serverStatus, replSetGetStatus, connectionStatus, sessions, whatsmyuri, getLog,
/// hostInfo, getCmdLineOpts.
/// </summary>
internal sealed class HandshakeCommands : ICommandGroup
{
    private readonly AuthCommands _auth;

    public HandshakeCommands(AuthCommands auth) => _auth = auth;

    public void Register(CommandTable table)
    {
        table.Add("hello", Hello, beforeAuth: true);
        table.Add("isMaster", Hello, beforeAuth: true);
        table.Add("ismaster", Hello, beforeAuth: true);
        table.Add("buildInfo", BuildInfo, beforeAuth: true);
        table.Add("buildinfo", BuildInfo, beforeAuth: true);
        table.Add("ping", _ => new BsonDocument(), beforeAuth: true);
        table.Add("endSessions", EndSessions, beforeAuth: true);
        table.Add("killSessions", EndSessions);
        table.Add("serverStatus", ServerStatus);
        table.Add("replSetGetStatus", ReplSetGetStatus);
        table.Add("connectionStatus", ConnectionStatus);
        table.Add("whatsmyuri", c => new BsonDocument("you", c.Connection.Remote));
        table.Add("getLog", GetLog);
        table.Add("hostInfo", HostInfo);
        table.Add("getCmdLineOpts", GetCmdLineOpts);
        table.Add("replSetGetConfig", ReplSetGetConfig);
    }

    private BsonDocument Hello(CommandContext context)
    {
        var server = context.Server;
        var reply = new BsonDocument();
        if (context.CommandName == "hello") reply.Add("isWritablePrimary", true);
        else reply.Add("ismaster", true);
        if (context.BoolArgument("helloOk")) reply.Add("helloOk", true);
        // A mongos says what it is with msg: "isdbgrid" (s/mongos_hello_response.cpp), which drivers read as a router.
        if (server.RouterClusterTime != null) reply.Add("msg", "isdbgrid");
        reply.Add("topologyVersion", new BsonDocument { { "processId", server.ProcessId }, { "counter", 0L } });
        if (server.Options.ReplicaSetName != null)
        {
            var oplog = server.Oplog!;
            var committed = oplog.CommitPoint;
            reply.Add("hosts", new BsonArray { server.HostAndPort })
                .Add("setName", server.Options.ReplicaSetName)
                .Add("setVersion", 1)
                .Add("secondary", false)
                .Add("primary", server.HostAndPort)
                .Add("me", server.HostAndPort)
                .Add("electionId", server.ElectionId)
                .Add("lastWrite", new BsonDocument
                {
                    { "opTime", oplog.LastOpTime }, { "lastWriteDate", new BsonDateTime(TruncateToSeconds(oplog.LastWall)) },
                    // The committed snapshot's optime (ReplicationCoordinatorImpl::_makeIsMasterResponse), behind opTime while a majority lags.
                    { "majorityOpTime", ReplicationLog.OpTime(committed.Ts) }, { "majorityWriteDate", new BsonDateTime(TruncateToSeconds(committed.Wall)) },
                });
            // A config server's members say so (replication_info.cpp appends configsvr: 2 for ClusterRole::ConfigServer).
            if (server.Options.ClusterRole == ClusterRole.ConfigServer) reply.Add("configsvr", 2);
        }
        reply.Add("maxBsonObjectSize", 16777216)
            .Add("maxMessageSizeBytes", 48000000)
            .Add("maxWriteBatchSize", 100000)
            .Add("localTime", new BsonDateTime(DateTime.UtcNow))
            .Add("logicalSessionTimeoutMinutes", 30)
            .Add("connectionId", context.Connection.Id)
            .Add("minWireVersion", 0)
            .Add("maxWireVersion", server.Options.Version.MaxWireVersion)
            .Add("readOnly", false);
        if (context.Body.TryGetValue("client", out var client) && client is BsonDocument metadata) context.Connection.ClientMetadata = metadata;
        if (server.AuthEnabled)
        {
            if (context.Body.TryGetValue("saslSupportedMechs", out var mechsFor) && mechsFor.IsString && _auth.UserExists(context, mechsFor.AsString))
                reply.Add("saslSupportedMechs", new BsonArray { "SCRAM-SHA-1", "SCRAM-SHA-256" });
            if (context.Body.TryGetValue("speculativeAuthenticate", out var speculative) && speculative is BsonDocument start)
            {
                var result = _auth.TrySpeculativeStart(context, start);
                if (result != null) reply.Add("speculativeAuthenticate", result);
            }
        }
        return reply;
    }

    private static DateTime TruncateToSeconds(DateTime time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static BsonDocument BuildInfo(CommandContext context) => new()
    {
        { "version", context.Server.Options.Version.Version },
        { "gitVersion", "0000000000000000000000000000000000000000" },
        { "versionArray", new BsonArray(context.Server.Options.Version.VersionArray) },
        { "bits", 64 },
        { "debug", false },
        { "maxBsonObjectSize", 16777216 },
        { "storageEngines", new BsonArray { "wiredTiger" } },
        { "modules", new BsonArray() },
        { "javascriptEngine", "none" },
        { "openssl", new BsonDocument("running", "disabled") },
    };

    private static BsonDocument EndSessions(CommandContext context)
    {
        if (context.CommandValue is BsonArray sessions)
            foreach (var session in sessions.OfType<BsonDocument>())
                if (session.TryGetValue("id", out var id)) context.Server.Transactions.EndSession(id);
        return new BsonDocument();
    }

    private static BsonDocument ServerStatus(CommandContext context)
    {
        var server = context.Server;
        var reply = new BsonDocument
        {
            { "host", server.HostAndPort },
            { "version", server.Options.Version.Version },
            { "process", server.RouterClusterTime != null ? "mongos" : "mongod" },
            { "pid", (long)Environment.ProcessId },
            { "uptime", (DateTime.UtcNow - server.StartedAt).TotalSeconds },
            { "uptimeMillis", (long)(DateTime.UtcNow - server.StartedAt).TotalMilliseconds },
            { "localTime", new BsonDateTime(DateTime.UtcNow) },
            { "connections", new BsonDocument { { "current", 1 }, { "available", 1000 } } },
            { "storageEngine", new BsonDocument { { "name", "wiredTiger" }, { "supportsCommittedReads", true }, { "persistent", false } } },
            { "metrics", new BsonDocument("cursor", new BsonDocument("open", new BsonDocument("total", (long)server.Cursors.Count))) },
        };
        if (server.Options.ReplicaSetName != null)
            reply.Add("repl", new BsonDocument
            {
                { "setName", server.Options.ReplicaSetName }, { "isWritablePrimary", true }, { "primary", server.HostAndPort },
                { "me", server.HostAndPort }, { "hosts", new BsonArray { server.HostAndPort } },
            });
        return reply;
    }

    private static BsonDocument ReplSetGetStatus(CommandContext context)
    {
        var server = context.Server;
        var oplog = server.Oplog ?? throw CommandFailure.NoReplicationEnabled();
        var optime = oplog.LastOpTime;
        var wall = new BsonDateTime(oplog.LastWall);
        var committed = oplog.CommitPoint;
        var committedOpTime = ReplicationLog.OpTime(committed.Ts);
        var committedWall = new BsonDateTime(committed.Wall);
        return new BsonDocument
        {
            { "set", server.Options.ReplicaSetName },
            { "date", new BsonDateTime(DateTime.UtcNow) },
            { "myState", 1 },
            { "term", 1L },
            { "heartbeatIntervalMillis", 2000L },
            { "optimes", new BsonDocument
                {
                    // The majority commit point, and the newest majority snapshot readable (the same here: one member commits and reads it at once).
                    { "lastCommittedOpTime", committedOpTime }, { "lastCommittedWallTime", committedWall },
                    { "readConcernMajorityOpTime", committedOpTime }, { "readConcernMajorityWallTime", committedWall }, { "appliedOpTime", optime },
                    { "durableOpTime", optime }, { "lastAppliedWallTime", wall }, { "lastDurableWallTime", wall },
                } },
            { "members", new BsonArray
                {
                    new BsonDocument
                    {
                        { "_id", 0 }, { "name", server.HostAndPort }, { "health", 1.0 }, { "state", 1 }, { "stateStr", "PRIMARY" },
                        { "uptime", (long)(DateTime.UtcNow - server.StartedAt).TotalSeconds }, { "optime", optime },
                        { "optimeDate", wall }, { "self", true }, { "electionId", server.ElectionId },
                    },
                } },
        };
    }

    private static BsonDocument ReplSetGetConfig(CommandContext context)
    {
        var server = context.Server;
        if (server.Oplog == null) throw CommandFailure.NoReplicationEnabled();
        return new BsonDocument("config", new BsonDocument
        {
            { "_id", server.Options.ReplicaSetName }, { "version", 1 }, { "term", 1 },
            { "members", new BsonArray { new BsonDocument { { "_id", 0 }, { "host", server.HostAndPort }, { "arbiterOnly", false }, { "priority", 1.0 }, { "votes", 1 } } } },
            // settings.replicaSetId: the ObjectId replSetInitiate gave the set (docs: reference/replica-configuration, "replicaSetId: <ObjectId>").
            { "settings", new BsonDocument { { "chainingAllowed", true }, { "heartbeatIntervalMillis", 2000 }, { "heartbeatTimeoutSecs", 10 },
                { "electionTimeoutMillis", 10000 }, { "catchUpTimeoutMillis", -1 }, { "replicaSetId", server.ReplicaSetId } } },
        });
    }

    private static BsonDocument ConnectionStatus(CommandContext context)
    {
        var users = new BsonArray();
        var roles = new BsonArray();
        if (context.Connection.IsAuthenticated)
        {
            users.Add(new BsonDocument { { "user", context.Connection.AuthenticatedUser }, { "db", context.Connection.AuthenticatedDatabase } });
            roles.Add(new BsonDocument { { "role", "root" }, { "db", "admin" } });
        }
        return new BsonDocument("authInfo", new BsonDocument { { "authenticatedUsers", users }, { "authenticatedUserRoles", roles } });
    }

    private static BsonDocument GetLog(CommandContext context)
    {
        if (context.CommandValue.IsString && context.CommandValue.AsString == "*")
            return new BsonDocument("names", new BsonArray { "global", "startupWarnings" });
        return new BsonDocument { { "totalLinesWritten", 0 }, { "log", new BsonArray() } };
    }

    private static BsonDocument HostInfo(CommandContext context) => new()
    {
        { "system", new BsonDocument { { "currentTime", new BsonDateTime(DateTime.UtcNow) }, { "hostname", context.Server.HostAndPort }, { "numCores", Environment.ProcessorCount } } },
        { "os", new BsonDocument { { "type", Environment.OSVersion.Platform.ToString() }, { "name", Environment.OSVersion.VersionString } } },
    };

    private static BsonDocument GetCmdLineOpts(CommandContext context)
    {
        var parsed = new BsonDocument("net", new BsonDocument { { "bindIp", "127.0.0.1" }, { "port", context.Server.Port } });
        if (context.Server.Options.ReplicaSetName != null)
            parsed.Add("replication", new BsonDocument { { "replSet", context.Server.Options.ReplicaSetName }, { "oplogSizeMB", context.Server.Options.OplogSizeMB } });
        if (context.Server.Options.ClusterRole != ClusterRole.None)
            parsed.Add("sharding", new BsonDocument("clusterRole", context.Server.Options.ClusterRole == ClusterRole.ConfigServer ? "configsvr" : "shardsvr"));
        return new BsonDocument { { "argv", new BsonArray { context.Server.RouterClusterTime != null ? "mongos" : "mongod" } }, { "parsed", parsed } };
    }
}
