using MongoBackup.TestServer.Auth;
using MongoBackup.TestServer.Commands;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The mongos's command table: authentication and handshake (hello says msg: "isdbgrid"), getMore and killCursors over
/// its own cursors, getParameter, invalidateUserCache, usersInfo and rolesInfo (read from the config server), and the routed commands; each run under the router's lock, except moveChunk
/// (<see cref="BalancerCommands"/>) and commitTransaction (<see cref="MongosTransactionCommands"/>), which take it in steps. Anything else is unknown here: CommandNotFound.
/// </summary>
internal sealed class RouterCommands(ClusterRouter router, AuthCommands auth) : ICommandGroup
{
    public void Register(CommandTable table)
    {
        var inner = new CommandTable();
        ICommandGroup[] groups =
        [
            auth, new HandshakeCommands(auth), new ReadCommands(), new ParameterCommands(),
            new MongosReadCommands(router), new MongosWriteCommands(router), new MongosCatalogCommands(router),
            new MongosShardingCommands(router), new MongosTransactionCommands(router), new ClusterOplogNoteCommand(router),
            new ZoneCommands(router),
        ];
        foreach (var group in groups) group.Register(inner);
        foreach (var name in inner.Names)
        {
            if (name is "replSetGetStatus" or "replSetGetConfig") continue; // mongos has no replica set commands
            inner.TryGet(name, out var handler, out var beforeAuth);
            if (name == "commitTransaction")
            {
                table.Add(name, handler, beforeAuth); // locks in steps (MongosTransactionCommands)
                continue;
            }
            table.Add(name, router.Locked(handler), beforeAuth);
        }
        new BalancerCommands(router).Register(table);
        // The router's own user cache (cluster_user_management_commands.cpp registers it forRouter); users and roles live
        // on the config server, which writes to admin.system.users reach through this router. No cache is modelled.
        table.Add("invalidateUserCache", _ => new MongoDB.Bson.BsonDocument());
        // usersInfo and rolesInfo: mongos reads them from the config server, where users and roles live
        // (cluster_user_management_commands.cpp: the info commands run runUserManagementReadCommand on the config server).
        foreach (var name in new[] { "usersInfo", "rolesInfo" })
            table.Add(name, router.Locked(context => router.Config.RunChecked(context.Database, MongosCatalogCommands.WithoutRouting(context), router.ClusterTime())));
    }
}
