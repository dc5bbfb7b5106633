using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// appendOplogNote through mongos: sent to every shard (not the config server), each writing its no-op, with the
/// per-shard replies under "raw" keyed by shard host. When a shard fails (StaleClusterTime for a maxClusterTime it has
/// passed) the others have still written theirs and mongos fails with that shard's error, as tools that push idle
/// shards forward expect (mongodb-labs/migration-verifier treats StaleClusterTime from mongos that way).
/// </summary>
internal sealed class ClusterOplogNoteCommand(ClusterRouter router) : ICommandGroup
{
    public void Register(CommandTable table) => table.Add("appendOplogNote", AppendOplogNote);

    private BsonDocument AppendOplogNote(CommandContext context)
    {
        var command = MongosCatalogCommands.WithoutRouting(context);
        var raw = new BsonDocument();
        BsonDocument? failed = null;
        foreach (var shard in router.Shards)
        {
            var reply = shard.Run(context.Database, command, router.ClusterTime());
            raw[shard.Host] = new BsonDocument(reply.Where(e => e.Name is not ("$clusterTime" or "operationTime")));
            if (reply.GetValue("ok", 0).ToDouble() != 1) failed ??= reply;
        }
        if (failed != null)
        {
            var failure = ClusterMember.Failure(failed);
            throw new CommandFailure(failure.Code, failure.CodeName, failure.Message) { ExtraInfo = new BsonDocument("raw", raw) };
        }
        return new BsonDocument("raw", raw);
    }
}
