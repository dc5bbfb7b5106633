using MongoBackup.TestServer.Sharding;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>The sharded mode's members and what they say about themselves, config.shards and listShards, and its launcher.</summary>
public class ShardedTopologyTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    [InMemoryFact(Reason)]
    public void Mongos_answers_hello_as_isdbgrid_and_the_driver_sees_a_sharded_cluster()
    {
        using var fixture = new ClusterFixture();
        var hello = fixture.RunAdmin(new BsonDocument("hello", 1));
        Assert.Equal("isdbgrid", hello["msg"].AsString);
        Assert.True(hello["isWritablePrimary"].ToBoolean());
        Assert.False(hello.Contains("setName"));
        Assert.True(hello.Contains("$clusterTime"));
        fixture.Mongos.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1));
        Assert.Equal(ClusterType.Sharded, fixture.Mongos.Cluster.Description.Type);
        Assert.Equal("mongos", fixture.RunAdmin(new BsonDocument("serverStatus", 1))["process"].AsString);
    }

    [InMemoryFact(Reason)]
    public void Config_server_and_shards_answer_hello_as_their_replica_sets()
    {
        using var fixture = new ClusterFixture(shards: 3);
        var config = fixture.Config.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("hello", 1));
        Assert.Equal(ShardedCluster.ConfigReplicaSetName, config["setName"].AsString);
        Assert.Equal(2, config["configsvr"].ToInt32());
        Assert.Equal("configsvr", fixture.Config.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("getCmdLineOpts", 1))["parsed"]["sharding"]["clusterRole"].AsString);
        for (var i = 0; i < 3; i++)
        {
            var hello = fixture.Shards[i].GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("hello", 1));
            Assert.Equal("shard" + i, hello["setName"].AsString);
            Assert.False(hello.Contains("configsvr"));
            Assert.False(hello.Contains("msg"));
        }
        Assert.Equal(5, fixture.Cluster.Members.Select(m => m.ConnectionString).Distinct().Count());
    }

    [InMemoryFact(Reason)]
    public void Config_version_holds_one_cluster_id_read_through_mongos_and_each_cluster_has_its_own()
    {
        using var fixture = new ClusterFixture();
        using var other = new ClusterFixture();
        // MongoDB 7.0 s/catalog/type_config_version.cpp: {_id: 1, clusterId: ObjectId}, nothing else.
        var version = fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("version").Find(new BsonDocument()).ToList();
        var stored = fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("version").Find(new BsonDocument()).ToList();
        Assert.Equal(stored, version);
        Assert.Equal(["_id", "clusterId"], Assert.Single(version).Names);
        Assert.Equal(1, version[0]["_id"].ToInt32());
        var otherId = other.Mongos.GetDatabase("config").GetCollection<BsonDocument>("version").Find(new BsonDocument()).Single()["clusterId"].AsObjectId;
        Assert.NotEqual(version[0]["clusterId"].AsObjectId, otherId);
    }

    [InMemoryFact(Reason)]
    public void Config_shards_and_listShards_name_each_shard_with_its_replica_set_host()
    {
        using var fixture = new ClusterFixture();
        var listed = fixture.RunAdmin(new BsonDocument("listShards", 1))["shards"].AsBsonArray.Select(s => s.AsBsonDocument).ToList();
        var stored = fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("shards").Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList();
        Assert.Equal(stored, listed);
        Assert.Equal(["shard0", "shard1"], listed.Select(s => s["_id"].AsString));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal($"shard{i}/127.0.0.1:{fixture.Cluster.Shards[i].Port}", listed[i]["host"].AsString);
            Assert.Equal(1, listed[i]["state"].ToInt32());
            Assert.IsType<BsonTimestamp>(listed[i]["topologyTime"]);
        }
        // config.shards through mongos is the config server's.
        Assert.Equal(2, fixture.Mongos.GetDatabase("config").GetCollection<BsonDocument>("shards").CountDocuments(new BsonDocument()));
    }

    [InMemoryFact(Reason)]
    public void Mongos_answers_usersInfo_and_rolesInfo_from_the_config_server_where_users_and_roles_live()
    {
        using var fixture = new ClusterFixture();
        var config = fixture.Config.GetDatabase("hr");
        config.RunCommand<BsonDocument>(new BsonDocument { { "createRole", "hrReader" },
            { "privileges", new BsonArray { new BsonDocument { { "resource", new BsonDocument { { "db", "hr" }, { "collection", "employees" } } }, { "actions", new BsonArray { "find" } } } } },
            { "roles", new BsonArray() } });
        config.RunCommand<BsonDocument>(new BsonDocument { { "createUser", "alice" }, { "pwd", "not-a-real-secret-1" }, { "roles", new BsonArray { "hrReader" } } });
        var hr = fixture.Mongos.GetDatabase("hr");

        var users = hr.RunCommand<BsonDocument>(new BsonDocument("usersInfo", "alice"))["users"].AsBsonArray;
        var roles = hr.RunCommand<BsonDocument>(new BsonDocument("rolesInfo", "hrReader"))["roles"].AsBsonArray;

        Assert.Equal("hr.alice", Assert.Single(users)["_id"].AsString);
        Assert.Equal("hrReader", users[0]["roles"][0]["role"].AsString);
        Assert.Equal("hr.hrReader", Assert.Single(roles)["_id"].AsString);
        Assert.Empty(hr.RunCommand<BsonDocument>(new BsonDocument("usersInfo", "bob"))["users"].AsBsonArray);
    }

    [InMemoryFact(Reason)]
    public void Mongos_refuses_what_it_does_not_route()
    {
        using var fixture = new ClusterFixture();
        Assert.Equal(59, Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument("replSetGetStatus", 1))).Code);
        Assert.Equal(59, Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument("dbStats", 1))).Code);
        // mongos has no applyOps (src/mongo/s/commands has none since 3.4, "no such cmd: applyOps"; alibaba/MongoShake#192).
        Assert.Equal(59, Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument("applyOps", new BsonArray()))).Code);
        var local = Assert.Throws<MongoCommandException>(() =>
            fixture.Mongos.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(new BsonDocument()).ToList());
        Assert.Equal(20, local.Code);
        var collation = Assert.Throws<MongoCommandException>(() => fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("items")
            .Find(new BsonDocument(), new FindOptions { Collation = new Collation("fr") }).ToList());
        Assert.Equal(59, collation.Code);
    }

    [InMemoryFact(Reason)]
    public void With_authentication_every_member_and_the_mongos_take_the_same_user_and_refuse_anyone_else()
    {
        using var fixture = new ClusterFixture(members: new TestServerOptions { AuthUser = "root", AuthPassword = "s3cret", Log = TextWriter.Null });
        foreach (var member in fixture.Cluster.Members)
        {
            var settings = MongoClientSettings.FromConnectionString(member.ConnectionString);
            settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
            using var anonymous = new MongoClient(settings);
            Assert.Equal(13, Assert.Throws<MongoCommandException>(() =>
                anonymous.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("listDatabases", 1))).Code);
            settings.Credential = MongoCredential.CreateCredential("admin", "root", "s3cret");
            using var client = new MongoClient(settings);
            client.GetDatabase("shop").GetCollection<BsonDocument>("items").InsertOne(new BsonDocument("_id", member.Name));
        }
        // Through the mongos the write went to a shard, and a transaction across shards still commits (prepare runs on
        // the router's internal connections).
        var mongos = MongoClientSettings.FromConnectionString(fixture.Cluster.ConnectionString);
        mongos.Credential = MongoCredential.CreateCredential("admin", "root", "s3cret");
        using var routed = new MongoClient(mongos);
        Assert.Equal(1, routed.GetDatabase("shop").GetCollection<BsonDocument>("items").CountDocuments(new BsonDocument("_id", "mongos")));
        var admin = routed.GetDatabase("admin");
        admin.RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "shop.orders" }, { "key", new BsonDocument("customer", 1) } });
        admin.RunCommand<BsonDocument>(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("customer", 50) } });
        var primary = routed.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(new BsonDocument("_id", "shop")).Single()["primary"].AsString;
        admin.RunCommand<BsonDocument>(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 50) }, { "to", primary == "shard0" ? "shard1" : "shard0" } });
        var orders = routed.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        using (var session = routed.StartSession())
        {
            session.StartTransaction();
            orders.InsertOne(session, new BsonDocument { { "_id", 1 }, { "customer", 10 } });
            orders.InsertOne(session, new BsonDocument { { "_id", 2 }, { "customer", 60 } });
            session.CommitTransaction();
        }
        Assert.Equal(2, orders.CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void The_launcher_starts_a_cluster_and_reports_every_member()
    {
        using var server = TestServerProcess.Start(["--port", "0", "--sharded", "--shards", "3"], TextWriter.Null);
        Assert.Matches(@"^mongodb://127\.0\.0\.1:\d+/$", server.ConnectionString);
        Assert.Equal(["mongos", "config", "shard", "shard", "shard"], server.Members.Select(m => m.Role));
        Assert.Equal(["mongos", "configRepl", "shard0", "shard1", "shard2"], server.Members.Select(m => m.Name));
        Assert.Equal(server.ConnectionString, server.Members[0].ConnectionString);
        Assert.Matches(@"^mongodb://127\.0\.0\.1:\d+/\?replicaSet=shard2$", server.Members[4].ConnectionString);
        using var client = new MongoClient(server.ConnectionString);
        var shards = client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("listShards", 1))["shards"].AsBsonArray;
        Assert.Equal(3, shards.Count);
    }

    [Fact]
    public void The_launcher_names_a_bad_sharded_command_line()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestServerProcess.Start(["--sharded", "--replSet", "rs0"], TextWriter.Null));
        Assert.Contains("--sharded names its own replica sets", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => TestServerProcess.Start(["--shards", "2"], TextWriter.Null));
        Assert.Contains("--shards needs --sharded", error.Message);
    }

    [InMemoryFact(Reason)]
    public void A_database_whose_name_differs_only_in_case_from_one_the_cluster_has_is_not_created_through_mongos()
    {
        // The config server's checkAgainstExistingDbDoc (sharding_catalog_manager_database_operations.cpp): DatabaseDifferCase 13297.
        using var fixture = new ClusterFixture();
        fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument("_id", 1));

        var enable = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument("enableSharding", "Shop")));
        var insert = Assert.Throws<MongoCommandException>(() => fixture.Mongos.GetDatabase("SHOP").GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument("_id", 1)));

        Assert.Equal(13297, enable.Code);
        Assert.Contains("can't have 2 databases that just differ on case", enable.ErrorMessage);
        Assert.Equal(13297, insert.Code);
        Assert.Equal(["shop"], fixture.Mongos.ListDatabaseNames().ToList().Where(d => d.Equals("shop", StringComparison.OrdinalIgnoreCase)));
    }

    [InMemoryFact(Reason)]
    public void EnableSharding_with_a_primaryShard_creates_the_database_there_and_refuses_another_for_a_database_the_cluster_has()
    {
        // The config server's createDatabase (sharding_catalog_manager_database_operations.cpp, 7.0): the same primary
        // is a no-op, another is NamespaceExists (48), an unknown shard ShardNotFound (70).
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "shop" }, { "primaryShard", ShardedCluster.ShardName(1) } });
        fixture.RunAdmin(new BsonDocument { { "enableSharding", "shop" }, { "primaryShard", ShardedCluster.ShardName(1) } });
        fixture.RunAdmin(new BsonDocument("enableSharding", "shop"));

        var other = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "enableSharding", "shop" }, { "primaryShard", ShardedCluster.ShardName(0) } }));
        var unknown = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument { { "enableSharding", "other" }, { "primaryShard", "shard9" } }));

        Assert.Equal(48, other.Code);
        Assert.Contains($"database already created on a primary which is different from {ShardedCluster.ShardName(0)}", other.ErrorMessage);
        Assert.Equal(70, unknown.Code);
        var primary = fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(new BsonDocument("_id", "shop")).Single()["primary"];
        Assert.Equal(ShardedCluster.ShardName(1), primary.AsString);
        Assert.Equal(0, fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("databases").CountDocuments(new BsonDocument("_id", "other")));
    }
}
