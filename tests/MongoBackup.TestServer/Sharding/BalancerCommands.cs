using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// balancerStatus, balancerStop, balancerStart and moveChunk through mongos. The balancer's state is config.settings'
/// {_id: "balancer", mode, stopped} (balancer_configuration.cpp); balancerStatus answers {mode: "full" | "off",
/// inBalancerRound, numBalancerRounds} as the manual documents it. This balancer never moves chunks by itself, so it is never
/// in a round. moveChunk {moveChunk: ns, find | bounds, to} moves one chunk: the donor records the migration in its
/// config.migrationCoordinators (one document while it runs, SERVER-62296), the documents move with fromMigrate entries
/// (<see cref="ChunkMigration"/>; the donor's no-ops for change streams when the recipient had no chunk of the collection
/// or the donor gives its last away), config.chunks gets the new owner, a major version bump, onCurrentShardSince and a
/// history entry, the donor's range deleter takes the moved range (now with _waitForDelete, else after the donor's
/// orphanCleanupDelaySecs: <see cref="RangeDeleter"/>), and the coordinator document goes away. A second migration while one runs fails with
/// ConflictingOperationInProgress. moveChunk is not run under the router's lock, so a held migration
/// (<see cref="MigrationHold"/>) leaves other commands free.
/// </summary>
internal sealed class BalancerCommands(ClusterRouter router) : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("balancerStatus", router.Locked(Status));
        table.Add("balancerStop", router.Locked(c => SetMode(c, "off")));
        table.Add("balancerStart", router.Locked(c => SetMode(c, "full")));
        table.Add("moveChunk", MoveChunk);
        table.Add("movechunk", MoveChunk);
    }

    private BsonDocument Status(CommandContext context)
    {
        MongosShardingCommands.RequireAdmin(context);
        return new BsonDocument { { "mode", router.Catalog.BalancerMode() }, { "inBalancerRound", false }, { "numBalancerRounds", 0L } };
    }

    private BsonDocument SetMode(CommandContext context, string mode)
    {
        MongosShardingCommands.RequireAdmin(context);
        router.Catalog.SetBalancerMode(mode);
        return new BsonDocument();
    }

    private BsonDocument MoveChunk(CommandContext context)
    {
        MongosShardingCommands.RequireAdmin(context);
        ClusterMember donor, recipient;
        RoutingTable routing;
        BsonDocument chunk, coordinator;
        lock (router.Sync)
        {
            var ns = context.CommandValue.AsString;
            routing = router.Routing(ns) ?? throw CommandFailure.NamespaceNotFound($"{ns} is not sharded");
            chunk = FindChunk(context, routing);
            donor = router.Shard(chunk["shard"].AsString);
            recipient = router.Shard(context.Body.GetValue("to", BsonNull.Value) is { IsString: true } to ? to.AsString
                : throw CommandFailure.InvalidOptions("moveChunk needs 'to', the id of the recipient shard"));
            if (donor == recipient)
                throw CommandFailure.IllegalOperation($"Destination shard cannot be the same as source: {donor.Name}");
            coordinator = new BsonDocument
            {
                { "_id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "nss", ns }, { "collectionUuid", routing.Uuid },
                { "donorShardId", donor.Name }, { "recipientShardId", recipient.Name },
                { "range", new BsonDocument { { "min", chunk["min"] }, { "max", chunk["max"] } } },
                { "preMigrationChunkVersion", new BsonDocument { { "v", chunk["lastmod"] }, { "t", routing.Entry["timestamp"] } } },
            };
            router.Migrations.Begin(coordinator);
        }
        try
        {
            lock (router.Sync)
                donor.RunChecked("config", new BsonDocument { { "insert", "migrationCoordinators" }, { "documents", new BsonArray { coordinator } } }, router.ClusterTime());
            router.Migrations.WaitIfHeld();
            lock (router.Sync)
            {
                routing = router.Routing(routing.Namespace)!;
                var (database, name) = Catalog.SplitNamespace(routing.Namespace);
                ChunkMigration.EnsureCollection(donor, recipient, database, name, router.ClusterTime());
                var recipientHadNone = !routing.Shards.Contains(recipient.Name);
                var donorKeepsNone = routing.Chunks.Count(c => c["shard"].AsString == donor.Name) == 1;
                if (recipientHadNone) ChunkMigration.NotifyChangeStreams(donor, routing, recipient.Name, firstOnRecipient: true, lastOnDonor: false);
                var cloned = ChunkMigration.Clone(donor, recipient, routing, chunk, router.ClusterTime());
                var top = routing.HighestVersion;
                var since = router.ClusterTime();
                router.Catalog.Update("chunks", new BsonDocument("_id", chunk["_id"]), new BsonDocument
                {
                    { "$set", new BsonDocument { { "shard", recipient.Name }, { "lastmod", new BsonTimestamp(top.Timestamp + 1, 0) }, { "onCurrentShardSince", since } } },
                    { "$push", new BsonDocument("history", new BsonDocument { { "$each", new BsonArray { new BsonDocument { { "validAfter", since }, { "shard", recipient.Name } } } }, { "$position", 0 } }) },
                });
                if (donorKeepsNone) ChunkMigration.NotifyChangeStreams(donor, routing, recipient.Name, firstOnRecipient: false, lastOnDonor: true);
                router.RangeDeleter.Schedule(donor, routing, chunk, coordinator["_id"], cloned, context.BoolArgument("_waitForDelete"));
            }
        }
        finally
        {
            lock (router.Sync)
            {
                donor.Run("config", new BsonDocument
                {
                    { "delete", "migrationCoordinators" },
                    { "deletes", new BsonArray { new BsonDocument { { "q", new BsonDocument("_id", coordinator["_id"]) }, { "limit", 1 } } } },
                }, router.ClusterTime());
                router.Migrations.End();
            }
        }
        return new BsonDocument("millis", 0);
    }

    /// <summary>The chunk holding find's shard key, or the one whose bounds are exactly bounds: [min, max].</summary>
    private static BsonDocument FindChunk(CommandContext context, RoutingTable routing)
    {
        if (context.Body.GetValue("find", BsonNull.Value) is BsonDocument find)
            return routing.ChunkFor(routing.Key.ExactKeyOf(find)
                ?? throw new CommandFailure(61, "ShardKeyNotFound", $"no shard key found in chunk query {find.ToJson()}"));
        if (context.Body.GetValue("bounds", BsonNull.Value) is BsonArray { Count: 2 } bounds)
            return routing.Chunks.FirstOrDefault(c => c["min"].Equals(bounds[0]) && c["max"].Equals(bounds[1]))
                ?? throw CommandFailure.InvalidOptions($"no chunk of {routing.Namespace} has the bounds {bounds.ToJson()}");
        throw CommandFailure.InvalidOptions("need to specify either a find query, or both lower and upper bounds.");
    }
}
