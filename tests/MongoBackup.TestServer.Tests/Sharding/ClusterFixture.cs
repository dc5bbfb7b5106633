using MongoBackup.TestServer.Sharding;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// A sharded test cluster for one test: clients on its mongos and straight on each shard and the config server, and
/// what a member's oplog holds. Only the in-memory server has a sharded mode (MONGOBACKUP_TEST_URI is a replica set).
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    private readonly List<MongoClient> _clients = new();

    public ClusterFixture(int shards = 2, TestServerOptions? members = null)
    {
        MongoTarget.RefuseWhenExternal();
        Cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = shards, Members = members ?? new TestServerOptions { Log = TextWriter.Null } });
        Mongos = NewClient(Cluster.ConnectionString);
        Config = NewClient(Cluster.ConfigServer.ConnectionString);
        Shards = Cluster.Shards.Select(s => NewClient(s.ConnectionString)).ToList();
    }

    public ShardedCluster Cluster { get; }
    public MongoClient Mongos { get; }
    public MongoClient Config { get; }
    public IReadOnlyList<MongoClient> Shards { get; }
    public IMongoDatabase Admin => Mongos.GetDatabase("admin");

    public BsonDocument RunAdmin(BsonDocument command) => Admin.RunCommand<BsonDocument>(command);

    /// <summary>A shard's oplog entries matching <paramref name="filter"/>, in order.</summary>
    public List<BsonDocument> OplogOf(int shard, BsonDocument filter) =>
        Shards[shard].GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(filter).Sort(new BsonDocument("$natural", 1)).ToList();

    /// <summary>
    /// The operations of kind <paramref name="op"/> on <paramref name="ns"/> in a shard's oplog, whether an entry of their
    /// own or inside an applyOps entry (a grouped insert, a transaction), in order.
    /// </summary>
    public List<BsonDocument> OperationsOf(int shard, string ns, string op) =>
        OplogOf(shard, new BsonDocument()).SelectMany(e => e["op"] == "c" && e["o"].AsBsonDocument.Contains("applyOps")
                ? e["o"]["applyOps"].AsBsonArray.Select(o => o.AsBsonDocument) : [e])
            .Where(o => o["op"] == op && o.GetValue("ns", "") == ns).ToList();

    /// <summary>Shards db.name on key, with the database's primary on shard0 (enableSharding {primaryShard}).</summary>
    public void ShardCollection(string database, string name, BsonDocument key)
    {
        RunAdmin(new BsonDocument { { "enableSharding", database }, { "primaryShard", ShardedCluster.ShardName(0) } });
        RunAdmin(new BsonDocument { { "shardCollection", database + "." + name }, { "key", key } });
    }

    /// <summary>The documents of db.name that a direct connection to <paramref name="shard"/> sees.</summary>
    public List<BsonDocument> OnShard(int shard, string database, string name) =>
        Shards[shard].GetDatabase(database).GetCollection<BsonDocument>(name).Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList();

    public List<BsonDocument> ChunksOf(string ns)
    {
        var config = Config.GetDatabase("config");
        var uuid = config.GetCollection<BsonDocument>("collections").Find(new BsonDocument("_id", ns)).Single()["uuid"];
        return config.GetCollection<BsonDocument>("chunks").Find(new BsonDocument("uuid", uuid)).Sort(new BsonDocument("min", 1)).ToList();
    }

    private MongoClient NewClient(string uri)
    {
        var settings = MongoClientSettings.FromConnectionString(uri);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        var client = new MongoClient(settings);
        _clients.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
        Cluster.Dispose();
    }
}
