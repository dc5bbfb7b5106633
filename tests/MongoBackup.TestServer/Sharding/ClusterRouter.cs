using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Sessions;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// What the mongos knows and does: the members, the metadata on the config server, which shard a database or key
/// belongs to, the transactions it coordinates and the chunk migrations tests may hold. Its command handlers run one at a
/// time under <see cref="Sync"/> (see <see cref="Locked"/>); a held migration waits outside it.
/// </summary>
internal sealed class ClusterRouter
{
    public ClusterRouter(ClusterMember config, IReadOnlyList<ClusterMember> shards)
    {
        Config = config;
        Shards = shards;
        Catalog = new ClusterCatalog(config, ClusterTime);
        RangeDeleter = new RangeDeleter(this);
    }

    public object Sync { get; } = new();
    public ClusterMember Config { get; }
    public IReadOnlyList<ClusterMember> Shards { get; }
    public ClusterCatalog Catalog { get; }
    public RouterTransactions Transactions { get; } = new();
    public MigrationGate Migrations { get; } = new();
    public RangeDeleter RangeDeleter { get; }

    /// <summary>A test's hold on two-phase commits (see <see cref="ShardedCluster.HoldTwoPhaseCommits"/>), or null.</summary>
    public TwoPhaseCommitHold? CommitHold { get; set; }

    /// <summary>The cluster time: the newest optime of any member (each advances to it when the router next reaches it).</summary>
    public BsonTimestamp ClusterTime() =>
        Shards.Append(Config).Select(m => m.LastTimestamp).Max()!;

    public ClusterMember Shard(string name) =>
        Shards.FirstOrDefault(s => s.Name == name) ?? throw new CommandFailure(70, "ShardNotFound", $"Shard {name} not found");

    /// <summary>A handler run under <see cref="Sync"/>.</summary>
    public CommandHandler Locked(CommandHandler handler) => context =>
    {
        lock (Sync) return handler(context);
    };

    /// <summary>
    /// Gives every shard holding db.name the collection's shard key, as a shard learns it with its filtering metadata
    /// (config.cache.collections); its oplog entries then carry document keys (<see cref="Storage.DocumentKey"/>).
    /// </summary>
    public void MarkSharded(string database, string name, BsonDocument pattern)
    {
        foreach (var shard in Shards)
        {
            var catalog = shard.Server.State.Catalog;
            using (catalog.Lock.Exclusive())
                if (catalog.Find(database, name) is { } collection) collection.ShardKey = pattern;
        }
    }

    /// <summary>The routing table of a sharded collection, or null when <paramref name="ns"/> is not sharded.</summary>
    public RoutingTable? Routing(string ns) =>
        Catalog.Collection(ns) is { } entry ? new RoutingTable(entry, Catalog.Chunks(entry["uuid"])) : null;

    /// <summary>
    /// The primary shard of a database; with <paramref name="create"/>, a database not yet known is created on the shard
    /// that is primary for the fewest databases (first in order on a tie), as implicit creation picks a least-loaded shard.
    /// Null when it is unknown and not created. config, admin and local are not on shards.
    /// </summary>
    public ClusterMember? PrimaryShard(string database, bool create)
    {
        if (database is "config" or "admin" or "local")
            throw CommandFailure.IllegalOperation($"the in-memory test server's mongos does not route '{database}' to a shard");
        if (Catalog.Database(database) is { } entry) return Shard(entry["primary"].AsString);
        if (!create) return null;
        var primaries = Catalog.Find("databases", new BsonDocument()).Select(d => d["primary"].AsString).ToList();
        var least = Shards.OrderBy(s => primaries.Count(p => p == s.Name)).First();
        Catalog.AddDatabase(database, least.Name);
        return least;
    }

    /// <summary>
    /// Sends <paramref name="command"/> to a shard on behalf of the client command in <paramref name="context"/>: with its
    /// session (lsid completed with the client's uid), txnNumber and, in a transaction, autocommit: false plus
    /// startTransaction and readConcern the first time this shard takes part. Returns the shard's raw reply.
    /// </summary>
    public BsonDocument Forward(CommandContext context, ClusterMember shard, string database, BsonDocument command)
    {
        var body = new BsonDocument(command);
        body.AddRange(SessionFields(context));
        if (context.Body.TryGetValue("autocommit", out var autocommit) && !autocommit.ToBoolean())
        {
            var transaction = Transactions.Of(context);
            if (transaction.Join(shard.Name))
            {
                body["startTransaction"] = true;
                if (context.Body.TryGetValue("readConcern", out var readConcern)) body["readConcern"] = readConcern;
            }
        }
        return shard.Run(database, body, ClusterTime());
    }

    public BsonDocument ForwardChecked(CommandContext context, ClusterMember shard, string database, BsonDocument command)
    {
        var reply = Forward(context, shard, database, command);
        return reply.GetValue("ok", 0).ToDouble() == 1 ? reply : throw ClusterMember.Failure(reply);
    }

    /// <summary>A cursor command run on a shard to its end, within the client's session and transaction.</summary>
    public List<BsonDocument> Drain(CommandContext context, ClusterMember shard, string database, BsonDocument command)
    {
        var first = ForwardChecked(context, shard, database, command);
        var cursor = first["cursor"].AsBsonDocument;
        var documents = cursor["firstBatch"].AsBsonArray.Select(d => d.AsBsonDocument).ToList();
        var id = cursor["id"].ToInt64();
        var ns = cursor["ns"].AsString;
        while (id != 0)
        {
            var more = ForwardChecked(context, shard, database, new BsonDocument { { "getMore", id }, { "collection", ns[(ns.IndexOf('.') + 1)..] } });
            var next = more["cursor"].AsBsonDocument;
            documents.AddRange(next["nextBatch"].AsBsonArray.Select(d => d.AsBsonDocument));
            id = next["id"].ToInt64();
        }
        return documents;
    }

    /// <summary>lsid (completed), txnNumber and autocommit of the client's command, as a shard needs them.</summary>
    public static BsonDocument SessionFields(CommandContext context)
    {
        var fields = new BsonDocument();
        if (context.Body.GetValue("lsid", BsonNull.Value) is BsonDocument lsid) fields.Add("lsid", LogicalSessionId.Complete(lsid, context.Connection));
        if (context.Body.TryGetValue("txnNumber", out var txnNumber)) fields.Add("txnNumber", txnNumber);
        if (context.Body.TryGetValue("autocommit", out var autocommit)) fields.Add("autocommit", autocommit);
        return fields;
    }
}
