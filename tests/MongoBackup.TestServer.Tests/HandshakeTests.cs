using System.Net.Sockets;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>What a client meets first: hello, unknown commands, broken frames, reconnects.</summary>
public class HandshakeTests : ServerTestBase
{
    [Fact]
    public void A_replica_set_primary_says_so_in_hello_and_replSetGetStatus()
    {
        var admin = Target.Admin;
        var hello = admin.RunCommand<BsonDocument>(new BsonDocument("hello", 1));
        Assert.True(hello["isWritablePrimary"].AsBoolean);
        Assert.Equal(BsonType.String, hello["setName"].BsonType);
        Assert.Contains(hello["me"], hello["hosts"].AsBsonArray);
        Assert.True(hello.Contains("$clusterTime"));
        var status = admin.RunCommand<BsonDocument>(new BsonDocument("replSetGetStatus", 1));
        Assert.Equal(hello["setName"], status["set"]);
        Assert.Equal("PRIMARY", status["members"].AsBsonArray.Single(m => m["self"].ToBoolean())["stateStr"].AsString);
    }

    [InMemoryFact("checks the version and address the in-memory server presents")]
    public void The_in_memory_server_presents_itself_as_mongodb_7_0_at_its_address()
    {
        var server = StartServer("rs0");
        var admin = Connect(server).GetDatabase("admin");
        var hello = admin.RunCommand<BsonDocument>(new BsonDocument("hello", 1));
        Assert.Equal("rs0", hello["setName"].AsString);
        Assert.Equal(21, hello["maxWireVersion"].AsInt32);
        Assert.Equal(new BsonArray { $"127.0.0.1:{server.Port}" }, hello["hosts"]);
        var buildInfo = admin.RunCommand<BsonDocument>(new BsonDocument("buildInfo", 1));
        Assert.Equal("7.0.14", buildInfo["version"].AsString);
        Assert.Equal(new BsonArray { 7, 0, 14, 0 }, buildInfo["versionArray"]);
        Assert.Equal($"mongodb://127.0.0.1:{server.Port}/?replicaSet=rs0", server.ConnectionString);
    }

    [InMemoryFact("checks the version the in-memory server presents when started as 8.0")]
    public void Started_as_8_0_it_presents_itself_as_mongodb_8_0_everywhere_it_names_its_version()
    {
        var server = StartServer("rs0", version: MongoDbVersion.V8_0);
        var admin = Connect(server).GetDatabase("admin");
        Assert.Equal(25, admin.RunCommand<BsonDocument>(new BsonDocument("hello", 1))["maxWireVersion"].AsInt32);
        var buildInfo = admin.RunCommand<BsonDocument>(new BsonDocument("buildInfo", 1));
        Assert.Equal("8.0.4", buildInfo["version"].AsString);
        Assert.Equal(new BsonArray { 8, 0, 4, 0 }, buildInfo["versionArray"]);
        Assert.Equal("8.0.4", admin.RunCommand<BsonDocument>(new BsonDocument("serverStatus", 1))["version"].AsString);
        var fcv = admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { "featureCompatibilityVersion", 1 } });
        Assert.Equal("8.0", fcv["featureCompatibilityVersion"]["version"].AsString);
    }

    [InMemoryFact("compares the ids of two in-memory sets of one name")]
    public void Each_replica_set_has_its_own_replicaSetId_in_its_configuration_which_a_restart_keeps()
    {
        // MongoDB's replica set configuration reference: settings.replicaSetId, an ObjectId created by replSetInitiate.
        ObjectId IdOf(MongoTestServer server) => Connect(server).GetDatabase("admin")
            .RunCommand<BsonDocument>(new BsonDocument("replSetGetConfig", 1))["config"]["settings"]["replicaSetId"].AsObjectId;
        var production = StartServer("rs0");
        var staging = StartServer("rs0");
        var id = IdOf(production);
        Assert.NotEqual(id, IdOf(staging));
        production.Restart();
        var afterRestart = ObjectId.Empty;
        RetryOnce(() => afterRestart = IdOf(production)); // the pooled connection the restart broke
        Assert.Equal(id, afterRestart);
    }

    [InMemoryFact("a standalone server")]
    public void Standalone_server_has_no_replication()
    {
        var server = StartServer(replicaSet: null);
        var client = Connect(server);
        var admin = client.GetDatabase("admin");
        Assert.Equal(1.0, admin.RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToDouble());
        var error = Assert.Throws<MongoCommandException>(() => admin.RunCommand<BsonDocument>(new BsonDocument("replSetGetStatus", 1)));
        Assert.Equal(76, error.Code);
        Assert.EndsWith("/?directConnection=true", server.ConnectionString);
        Assert.False(admin.RunCommand<BsonDocument>(new BsonDocument("hello", 1)).Contains("setName"));
    }

    [Fact]
    public void Unknown_command_fails_with_CommandNotFound()
    {
        var error = Assert.Throws<MongoCommandException>(() =>
            Database("test").RunCommand<BsonDocument>(new BsonDocument("frobnicate", 1)));
        Assert.Equal(59, error.Code);
        Assert.Equal("CommandNotFound", error.CodeName);
        Assert.Contains("no such command: 'frobnicate'", error.Message);
    }

    [InMemoryFact("reads the in-memory server's log")]
    public void Garbage_frame_closes_only_that_connection()
    {
        var server = StartServer();
        using var raw = new TcpClient("127.0.0.1", server.Port);
        var stream = raw.GetStream();
        // A header claiming 32 bytes of opcode 9999, then junk.
        var frame = new byte[32];
        BitConverter.GetBytes(32).CopyTo(frame, 0);
        BitConverter.GetBytes(9999).CopyTo(frame, 12);
        stream.Write(frame);
        stream.ReadTimeout = 5000;
        var read = stream.Read(new byte[16], 0, 16);
        Assert.Equal(0, read); // the server closed the connection instead of answering
        Assert.Contains("unsupported opcode 9999", ServerLog.ToString());

        var client = Connect(server);
        Assert.Equal(1.0, client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToDouble());
    }

    [InMemoryFact("reads the in-memory server's log")]
    public void Truncated_bson_body_is_logged_and_the_connection_closed()
    {
        var server = StartServer();
        using var raw = new TcpClient("127.0.0.1", server.Port);
        var stream = raw.GetStream();
        var frame = new byte[16 + 4 + 1 + 8];
        BitConverter.GetBytes(frame.Length).CopyTo(frame, 0);
        BitConverter.GetBytes(2013).CopyTo(frame, 12);
        BitConverter.GetBytes(400).CopyTo(frame, 21); // a BSON document claiming 400 bytes in an 8-byte section
        stream.Write(frame);
        stream.ReadTimeout = 5000;
        Assert.Equal(0, stream.Read(new byte[16], 0, 16));
        Assert.Contains("BSON document length 400 is out of bounds", ServerLog.ToString());
    }

    [InMemoryFact("drops the in-memory server's connections and restarts it")]
    public void Clients_reconnect_after_connections_drop_and_after_a_restart()
    {
        var server = StartServer();
        var client = Connect(server);
        var collection = client.GetDatabase("test").GetCollection<BsonDocument>("c");
        collection.InsertOne(new BsonDocument("_id", 1));
        server.DropAllConnections();
        RetryOnce(() => collection.InsertOne(new BsonDocument("_id", 2)));
        var port = server.Port;
        server.Restart();
        Assert.Equal(port, server.Port);
        RetryOnce(() => collection.InsertOne(new BsonDocument("_id", 3)));
        Assert.Equal(3, collection.CountDocuments(new BsonDocument()));
    }

    private static void RetryOnce(Action action)
    {
        try
        {
            action();
        }
        catch (MongoConnectionException)
        {
            action();
        }
    }
}
