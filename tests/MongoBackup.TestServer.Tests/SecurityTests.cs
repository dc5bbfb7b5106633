using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>Authentication and TLS: servers started with --auth or --tls, so in-memory only.</summary>
public class SecurityTests : ServerTestBase
{
    private const string Auth = "a server started with --auth USER:PASSWORD";

    [InMemoryTheory(Auth)]
    [InlineData("SCRAM-SHA-256", "rs0")]
    [InlineData("SCRAM-SHA-1", "rs0")]
    [InlineData(null, "rs0")] // negotiated through hello's saslSupportedMechs and speculative authentication
    [InlineData("SCRAM-SHA-256", null)]
    [InlineData(null, null)]
    public void Scram_authentication_with_the_right_password_succeeds(string? mechanism, string? replicaSet)
    {
        var server = StartServer(replicaSet, user: "root", password: "s3cret:pw");
        var client = Connect(server, s => s.Credential = mechanism == null
            ? MongoCredential.CreateCredential("admin", "root", "s3cret:pw")
            : new MongoCredential(mechanism, new MongoInternalIdentity("admin", "root"), new PasswordEvidence("s3cret:pw")));
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument("_id", 1));
        Assert.Equal(1, items.CountDocuments(new BsonDocument()));
        var status = client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("connectionStatus", 1));
        Assert.Equal("root", status["authInfo"]["authenticatedUsers"][0]["user"].AsString);
    }

    [InMemoryFact(Auth)]
    public void Wrong_password_fails_with_AuthenticationFailed()
    {
        var server = StartServer(user: "root", password: "right");
        var client = Connect(server, s =>
        {
            s.Credential = MongoCredential.CreateCredential("admin", "root", "wrong");
            s.ServerSelectionTimeout = TimeSpan.FromSeconds(3);
        });
        var error = Assert.ThrowsAny<Exception>(() => client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1)));
        var authError = FindInner<MongoAuthenticationException>(error);
        Assert.NotNull(authError);
        Assert.Contains("18", FindInner<MongoCommandException>(error)?.Code.ToString() ?? authError!.ToString());
    }

    [InMemoryFact(Auth)]
    public void Unauthenticated_clients_may_only_handshake()
    {
        var server = StartServer(user: "root", password: "right");
        var client = Connect(server);
        Assert.Equal(1.0, client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToDouble());
        var error = Assert.Throws<MongoCommandException>(() => client.GetDatabase("app").RunCommand<BsonDocument>(new BsonDocument("listCollections", 1)));
        Assert.Equal(13, error.Code);
    }

    /// <summary>
    /// replSetGetConfig needs the replSetGetConfig action on the cluster resource (its getAuthActionSet): MongoDB's built-in
    /// clusterMonitor role grants it, the backup role does not (role_graph_builtins.cpp). A role or command whose privileges
    /// the server does not model is refused, naming that, never run.
    /// </summary>
    [InMemoryFact(Auth)]
    public void Built_in_roles_grant_replSetGetConfig_as_MongoDB_s_do_and_what_is_not_modelled_is_refused()
    {
        var server = StartServer(user: "root", password: "rootpw");
        var admin = Connect(server, s => s.Credential = MongoCredential.CreateCredential("admin", "root", "rootpw")).GetDatabase("admin");
        admin.RunCommand<BsonDocument>(BsonDocument.Parse("{createUser: 'dumper', pwd: 'pw1', roles: ['backup']}"));
        admin.RunCommand<BsonDocument>(BsonDocument.Parse("{createUser: 'watcher', pwd: 'pw2', roles: ['backup', 'clusterMonitor']}"));
        admin.RunCommand<BsonDocument>(BsonDocument.Parse("{createUser: 'owner', pwd: 'pw3', roles: [{role: 'dbOwner', db: 'admin'}]}"));
        IMongoDatabase As(string user, string password) =>
            Connect(server, s => s.Credential = MongoCredential.CreateCredential("admin", user, password)).GetDatabase("admin");
        var getConfig = new BsonDocument("replSetGetConfig", 1);

        var refused = Assert.Throws<MongoCommandException>(() => As("dumper", "pw1").RunCommand<BsonDocument>(getConfig));
        Assert.Equal(13, refused.Code);
        Assert.Equal("Unauthorized", refused.CodeName);
        Assert.True(As("watcher", "pw2").RunCommand<BsonDocument>(getConfig)["config"]["settings"]["replicaSetId"].IsObjectId);
        // The backup role reads: listDatabases and find are its own.
        Assert.Equal(1.0, As("dumper", "pw1").RunCommand<BsonDocument>(new BsonDocument("listDatabases", 1))["ok"].ToDouble());
        var write = Assert.Throws<MongoCommandException>(() => As("dumper", "pw1").GetCollection<BsonDocument>("items").InsertOne(new BsonDocument("_id", 1)));
        Assert.Equal(13, write.Code);
        Assert.Contains("models the privileges of users other than root for", write.Message);
        var unmodelled = Assert.Throws<MongoCommandException>(() => As("owner", "pw3").RunCommand<BsonDocument>(getConfig));
        Assert.Contains("does not model the privileges of role dbOwner", unmodelled.Message);
    }

    [InMemoryFact(Auth)]
    public void Users_and_roles_are_stored_in_admin_system_collections_and_can_log_in()
    {
        var server = StartServer(user: "root", password: "rootpw");
        var root = Connect(server, s => s.Credential = MongoCredential.CreateCredential("admin", "root", "rootpw"));
        var appDb = root.GetDatabase("app");
        appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{createRole: 'reader', privileges: [], roles: ['read']}"));
        appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{createUser: 'alice', pwd: 'alicepw', roles: ['readWrite']}"));
        appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{grantRolesToUser: 'alice', roles: ['reader']}"));

        var stored = root.GetDatabase("admin").GetCollection<BsonDocument>("system.users").Find(new BsonDocument("_id", "app.alice")).Single();
        Assert.Equal(new[] { "_id", "userId", "user", "db", "credentials", "roles" }, stored.Names);
        Assert.Equal(new[] { "SCRAM-SHA-1", "SCRAM-SHA-256" }, stored["credentials"].AsBsonDocument.Names);
        Assert.Equal(BsonArray.Create(new[] { BsonDocument.Parse("{role: 'readWrite', db: 'app'}"), BsonDocument.Parse("{role: 'reader', db: 'app'}") }), stored["roles"]);
        Assert.Equal("app.reader", root.GetDatabase("admin").GetCollection<BsonDocument>("system.roles").Find(new BsonDocument()).Single()["_id"].AsString);
        var info = appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{usersInfo: 'alice'}"));
        Assert.Equal("alice", info["users"][0]["user"].AsString);
        Assert.Equal("reader", appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{rolesInfo: 1}"))["roles"][0]["role"].AsString);

        root.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("invalidateUserCache", 1));
        var alice = Connect(server, s => s.Credential = MongoCredential.CreateCredential("app", "alice", "alicepw"));
        Assert.Equal(1.0, alice.GetDatabase("app").RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToDouble());

        appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{dropUser: 'alice'}"));
        appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{dropRole: 'reader'}"));
        Assert.Empty(appDb.RunCommand<BsonDocument>(BsonDocument.Parse("{usersInfo: 1}"))["users"].AsBsonArray);
    }

    [InMemoryFact("a server started with --tls FILE.pfx")]
    public void Tls_server_accepts_a_driver_that_trusts_any_certificate()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"mongobackup-test-{Guid.NewGuid():N}.pfx");
        try
        {
            using (var key = RSA.Create(2048))
            {
                var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
                File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "pfxpw"));
            }
            var server = StartServer(tlsPath: pfx, tlsPassword: "pfxpw");
            var client = Connect(server, s =>
            {
                s.UseTls = true;
                s.AllowInsecureTls = true;
            });
            var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
            items.InsertOne(new BsonDocument("_id", 1));
            Assert.Equal(1, items.CountDocuments(new BsonDocument()));

            var plain = Connect(server, s => s.ServerSelectionTimeout = TimeSpan.FromSeconds(2));
            Assert.ThrowsAny<TimeoutException>(() => plain.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1)));
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    private static T? FindInner<T>(Exception? e) where T : Exception
    {
        for (; e != null; e = e.InnerException)
            if (e is T match) return match;
        return null;
    }
}
