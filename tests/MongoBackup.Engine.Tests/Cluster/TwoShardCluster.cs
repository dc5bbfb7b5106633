using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A two-shard test cluster with shop.orders sharded on _id, [MinKey, 2500) on shard0 and [2500, MaxKey) moved to
/// shard1 (a migration that has just ended), 5,000 orders {_id, qty: 0}, and a repository folder to back it up into.
/// </summary>
internal sealed class TwoShardCluster : IDisposable
{
    public const int InitialOrders = 5_000;
    private readonly List<MongoClient> _clients = [];
    private readonly Integration.TempFolder _folder = new();

    /// <param name="oplogSizeMB">Every member's oplog size: a small one lets a test roll a shard's oplog over.</param>
    public TwoShardCluster(int oplogSizeMB = 1024)
    {
        Cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null, OplogSizeMB = oplogSizeMB } });
        Mongos = Client(Cluster.ConnectionString);
        Repository = new FolderRepository(_folder.Path);
        RunAdmin(new BsonDocument { { "enableSharding", "shop" }, { "primaryShard", "shard0" } });
        RunAdmin(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", new BsonDocument("_id", 1) } });
        RunAdmin(new BsonDocument { { "balancerStop", 1 } });
        Orders.InsertMany(Enumerable.Range(0, InitialOrders).Select(i => new BsonDocument { { "_id", i }, { "qty", 0 } }));
        RunAdmin(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("_id", 2500) } });
        RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("_id", 2500) }, { "to", "shard1" } });
    }

    public ShardedCluster Cluster { get; }
    public MongoClient Mongos { get; }
    public FolderRepository Repository { get; }
    public IMongoCollection<BsonDocument> Orders => Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");

    /// <summary>
    /// Commits one transaction through mongos that inserts orders -1 (shard0) and 1,000,000 (shard1), both {qty: 7}: a
    /// cross-shard transaction, prepared and committed on each shard; returns its commit's cluster time.
    /// </summary>
    public OplogTimestamp CommitCrossShardTransaction()
    {
        using var session = Mongos.StartSession();
        session.StartTransaction();
        Orders.InsertOne(session, new BsonDocument { { "_id", -1 }, { "qty", 7 } });
        Orders.InsertOne(session, new BsonDocument { { "_id", 1_000_000 }, { "qty", 7 } });
        session.CommitTransaction();
        return OplogTimestamp.FromBsonTimestamp(session.OperationTime);
    }

    public BsonDocument RunAdmin(BsonDocument command) => Mongos.GetDatabase("admin").RunCommand<BsonDocument>(command);

    public string BalancerMode => RunAdmin(new BsonDocument("balancerStatus", 1))["mode"].AsString;

    public MongoClient Shard(int index) => Client(Cluster.Shards[index].ConnectionString);

    public BackupRequest Backup(bool stopBalancer = false) => new()
    {
        Connection = new ConnectionSettings { ConnectionString = Cluster.ConnectionString },
        Repository = Repository,
        Filter = new NamespaceFilter(databases: ["shop"]),
        ParallelCollections = 1,
        StopBalancer = stopBalancer,
    };

    /// <summary>Restores snapshot <paramref name="id"/> into <paramref name="server"/>, shop renamed to a new database; that name and the outcome.</summary>
    public async Task<(string Database, RestoreOutcome Outcome)> RestoreAsync(MongoServerFixture server, string id, EncryptionKeySource? keys = null)
    {
        var target = TestDatabases.NewName("cluster");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Snapshot = new RepositorySnapshot(Repository, id),
            Map = new NamespaceMap().AddDatabaseRename("shop", target),
            Encryption = keys,
        }, CancellationToken.None);
        return (target, outcome);
    }

    /// <summary>As <see cref="RestoreAsync"/>, asserting it succeeded; then <paramref name="collection"/>'s restored documents in _id order.</summary>
    public async Task<List<BsonDocument>> RestoredAsync(MongoServerFixture server, string id, string collection, EncryptionKeySource? keys = null)
    {
        var (target, outcome) = await RestoreAsync(server, id, keys);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        return await server.Client.GetDatabase(target).GetCollection<BsonDocument>(collection)
            .Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
    }

    /// <summary>
    /// A transaction through mongos inserting <paramref name="low"/> (below 2500: shard0) and <paramref name="high"/>
    /// (shard1) with <paramref name="qty"/>: committed in two phases, a prepare and a commitTransaction entry on each shard.
    /// </summary>
    public void CrossShardTransaction(int low, int high, int qty)
    {
        using var session = Mongos.StartSession();
        session.StartTransaction();
        Orders.InsertOne(session, new BsonDocument { { "_id", low }, { "qty", qty } });
        Orders.InsertOne(session, new BsonDocument { { "_id", high }, { "qty", qty } });
        session.CommitTransaction();
    }

    /// <summary>A point-in-time restore of the repository's shop to <paramref name="limit"/> into <paramref name="target"/> (a database of <paramref name="server"/>).</summary>
    public PointInTimeRestoreRequest PointInTime(MongoServerFixture server, OplogLimit limit, string target, EncryptionKeySource? keys = null) => new()
    {
        Restore = new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Filter = new NamespaceFilter(databases: ["shop"]),
            Map = new NamespaceMap().AddDatabaseRename("shop", target),
            Encryption = keys,
        },
        Repository = Repository,
        Limit = limit,
    };

    /// <summary>As <see cref="PointInTime"/> into a new database, asserting it succeeded; its orders as _id → qty (the database dropped after).</summary>
    public async Task<Dictionary<int, int>> RestoredAtAsync(MongoServerFixture server, OplogLimit limit, EncryptionKeySource? keys = null)
    {
        var target = TestDatabases.NewName("clusterpitr");
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(PointInTime(server, limit, target, keys), CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        var restored = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        await server.Client.DropDatabaseAsync(target);
        return restored.ToDictionary(d => d["_id"].AsInt32, d => d.GetValue("qty", 0).AsInt32);
    }

    /// <summary>A Backup-MongoOplog run through the mongos into the repository.</summary>
    public OplogSliceRequest Slice() => new()
    {
        Connection = new ConnectionSettings { ConnectionString = Cluster.ConnectionString },
        Repository = Repository,
    };

    /// <summary>What the repository holds: no snapshot folder at all after a refused or failed backup.</summary>
    public IReadOnlyList<string> SnapshotFolders => Directory.GetDirectories(_folder.Path).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).ToList()!;

    private MongoClient Client(string uri)
    {
        var client = new MongoClient(uri);
        _clients.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
        Cluster.Dispose();
        _folder.Dispose();
    }
}
