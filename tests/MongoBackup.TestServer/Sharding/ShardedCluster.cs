using MongoBackup.TestServer.Auth;
using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// A sharded cluster in one process, as MongoDB 7.0 runs one: a config server replica set (configRepl, its members say
/// configsvr: 2), shard replica sets shard0..shardN-1 (started as --shardsvr), each an ordinary test server on its own
/// loopback port with its own data, oplog and clock, and a mongos in front (hello: msg "isdbgrid") that routes by shard
/// key and keeps the cluster's metadata on the config server (config.shards, databases, collections, chunks, settings).
/// Clients connect to <see cref="ConnectionString"/>, or straight to a shard or the config server
/// (<see cref="Members"/>), which then see only their own data and oplog.
/// </summary>
public sealed class ShardedCluster : IDisposable, IAsyncDisposable
{
    public const string ConfigReplicaSetName = "configRepl";

    private readonly ClusterRouter _router;

    private ShardedCluster(MongoTestServer config, IReadOnlyList<MongoTestServer> shards, MongoTestServer mongos, ClusterRouter router)
    {
        ConfigServer = config;
        Shards = shards;
        Mongos = mongos;
        _router = router;
    }

    public MongoTestServer ConfigServer { get; }

    /// <summary>The shards in order; shard i is named "shard{i}" (its replica set name and its config.shards _id).</summary>
    public IReadOnlyList<MongoTestServer> Shards { get; }

    public MongoTestServer Mongos { get; }

    /// <summary>The mongos: mongodb://127.0.0.1:PORT/ (the driver sees a sharded topology).</summary>
    public string ConnectionString => $"mongodb://127.0.0.1:{Mongos.Port}/";

    /// <summary>Every member: ("mongos", "mongos", uri), ("config", "configRepl", uri), ("shard", "shard0", uri), ...</summary>
    public IReadOnlyList<TestServerMember> Members =>
        new[] { new TestServerMember("mongos", "mongos", ConnectionString), new TestServerMember("config", ConfigReplicaSetName, ConfigServer.ConnectionString) }
            .Concat(Shards.Select((s, i) => new TestServerMember("shard", ShardName(i), s.ConnectionString))).ToList();

    public static string ShardName(int index) => "shard" + index;

    public static ShardedCluster Start(ShardedClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Shards < 1) throw new ArgumentOutOfRangeException(nameof(options), $"a cluster needs at least one shard, not {options.Shards}");
        var member = options.Members with { Port = 0 };
        var started = new List<MongoTestServer>();
        try
        {
            var config = Started(started, member with { ReplicaSetName = ConfigReplicaSetName, ClusterRole = ClusterRole.ConfigServer });
            var shards = Enumerable.Range(0, options.Shards)
                .Select(i => Started(started, member with { ReplicaSetName = ShardName(i), ClusterRole = ClusterRole.ShardServer })).ToList();
            var router = new ClusterRouter(new ClusterMember(ConfigReplicaSetName, config),
                shards.Select((s, i) => new ClusterMember(ShardName(i), s)).ToList());
            router.Catalog.InitializeVersion();
            foreach (var shard in router.Shards)
                router.Catalog.Insert("shards", new BsonDocument
                {
                    { "_id", shard.Name }, { "host", shard.Host }, { "state", 1 }, { "topologyTime", router.ClusterTime() },
                });
            var mongos = MongoTestServer.StartRouter(options.Members with { ReplicaSetName = null, ClusterRole = ClusterRole.None },
                auth => [new RouterCommands(router, auth)], router.ClusterTime);
            return new ShardedCluster(config, shards, mongos, router);
        }
        catch
        {
            foreach (var server in started) server.Dispose();
            throw;
        }
    }

    private static MongoTestServer Started(List<MongoTestServer> started, TestServerOptions options)
    {
        var server = MongoTestServer.Start(options);
        started.Add(server);
        return server;
    }

    /// <summary>
    /// Holds chunk migrations: a moveChunk started from now on records its start on the donor
    /// (config.migrationCoordinators) and waits, so a backup sees a migration running, until the hold is released.
    /// </summary>
    public MigrationHold HoldMigrations() => _router.Migrations.Hold();

    /// <summary>
    /// Holds cross-shard transactions between the phases of their commit: one committed through mongos from now on
    /// prepares on every shard it wrote on, commits on the first <paramref name="afterCommitted"/> of them, and waits,
    /// the others still prepared, until the hold is released.
    /// </summary>
    public TwoPhaseCommitHold HoldTwoPhaseCommits(int afterCommitted)
    {
        if (_router.CommitHold is { IsReleased: false }) throw new InvalidOperationException("two-phase commits are already held");
        return _router.CommitHold = new TwoPhaseCommitHold(afterCommitted);
    }

    public void Dispose()
    {
        _router.RangeDeleter.Dispose();
        Mongos.Dispose();
        foreach (var shard in Shards) shard.Dispose();
        ConfigServer.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One member of a started cluster: its role ("mongos", "config", "shard"), name and connection string.</summary>
public sealed record TestServerMember(string Role, string Name, string ConnectionString);
