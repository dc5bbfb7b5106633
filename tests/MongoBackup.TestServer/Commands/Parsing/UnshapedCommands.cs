namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The commands this server serves that are not checked against a declared shape, each with the reason. Every other
/// command served must have its shape in <see cref="CommandShapes"/>: the dispatcher refuses to start otherwise
/// (<see cref="RequireEveryCommandAccountedFor"/>), so a command added later cannot skip this decision.
/// </summary>
internal static class UnshapedCommands
{
    private const string ReadsNothing = "mongod's handler reads no field besides the command's own value, and takes any other";

    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ping"] = ReadsNothing + " (db/commands/generic.cpp)",
        ["buildInfo"] = ReadsNothing + " (db/commands/generic_servers.cpp)",
        ["buildinfo"] = "an alias of buildInfo",
        ["whatsmyuri"] = ReadsNothing + " (db/commands/generic.cpp)",
        ["hostInfo"] = ReadsNothing + " (db/commands/generic_servers.cpp)",
        ["getCmdLineOpts"] = ReadsNothing + " (db/commands/generic_servers.cpp)",
        ["listCommands"] = ReadsNothing + " (db/commands/generic.cpp)",
        ["logout"] = ReadsNothing + " (db/auth/authentication_commands.cpp)",
        ["isdbgrid"] = ReadsNothing + " (s/commands/cluster_is_db_grid_cmd.cpp)",
        ["flushRouterConfig"] = "the mongos's routing cache is the config data itself here, so there is nothing to flush; its value is not read",
        ["serverStatus"] = "each field names a section to add or leave out; mongod takes any name (db/commands/server_status.cpp)",
        ["getLog"] = "its value names the log; mongod reads nothing else (db/commands/generic_servers.cpp)",
        ["replSetGetStatus"] = "parsed by hand in repl/repl_set_commands.cpp (initialSync is its one option, an extra section)",
        ["replSetGetConfig"] = "parsed by hand in repl/repl_set_commands.cpp (commitmentStatus and includeNewlyAdded add to the reply)",
        ["getParameter"] = "each field names a parameter (ParameterCommands refuses names it does not know, as mongod does)",
        ["setParameter"] = "each field names a parameter (ParameterCommands refuses names it does not know, as mongod does)",
        ["saslStart"] = "the SCRAM conversation checks its own fields (Auth/ScramConversation); a mechanism other than SCRAM is refused there",
        ["saslContinue"] = "the SCRAM conversation checks its own fields (Auth/ScramConversation)",
        ["prepareTransaction"] = "an internal two-phase-commit command (txn_two_phase_commit_cmds.idl) with no fields; sent only by this server's own mongos",
        ["appendOplogNote"] = "parsed by hand in db/commands/oplog_note.cpp (data required, maxClusterTime optional), as the handler does",
        ["dbStats"] = "parsed by hand in db/commands/dbstats.cpp (scale, freeStorage); the handler reads scale",
        ["convertToCapped"] = "parsed by hand in db/commands/collection_to_capped.cpp (CmdConvertToCapped: size, read as a number)",
        ["collStats"] = "parsed by hand in db/commands/collection_stats.cpp (scale); deprecated for $collStats",
        ["enableSharding"] = "the handler reads primaryShard only; mongos's enableSharding IDL was not read for this server",
        ["enablesharding"] = "an alias of enableSharding",
        ["listShards"] = ReadsNothing + " (s/commands/cluster_list_shards_cmd.cpp)",
        ["listshards"] = "an alias of listShards",
        ["split"] = "parsed by hand in s/commands/cluster_split_cmd.cpp (find, middle or bounds); the handler serves middle and refuses the others",
        ["moveChunk"] = "parsed by hand in s/commands/cluster_move_chunk_cmd.cpp (find or bounds, to, waitForDelete, forceJumbo, secondaryThrottle)",
        ["movechunk"] = "an alias of moveChunk",
        ["balancerStart"] = ReadsNothing + " (s/commands/cluster_control_balancer_cmd.cpp)",
        ["balancerStop"] = ReadsNothing + " (s/commands/cluster_control_balancer_cmd.cpp)",
        ["balancerStatus"] = ReadsNothing + " (s/commands/cluster_balancer_status_cmd.cpp)",
    };

    /// <summary>Throws when a served command has neither a shape nor a reason here.</summary>
    public static void RequireEveryCommandAccountedFor(IEnumerable<string> served)
    {
        var missing = served.Where(name => !CommandShapes.Covers(name) && !Reasons.ContainsKey(name)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"commands served with neither a shape nor a documented reason: {string.Join(", ", missing)}");
    }
}
