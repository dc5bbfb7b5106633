using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// The server a test of MongoDB's own behaviour runs against: the one in MONGOBACKUP_TEST_URI when that is set (so the
/// same test checks a real mongod), otherwise a fresh in-memory replica set. Tests that need startup parameters a real
/// server cannot be given from here (<see cref="StartInMemory"/>) always use the in-memory server. Each test works in
/// its own database (<see cref="NewDatabaseName"/>) and reads only the oplog entries written after it began
/// (<see cref="OplogSince"/>), so a shared real server is safe.
/// </summary>
public sealed class MongoTarget : IDisposable
{
    public const string UriVariable = "MONGOBACKUP_TEST_URI";

    private MongoTarget(MongoClient client, MongoTestServer? inMemory)
    {
        Client = client;
        InMemory = inMemory;
        Start = LastOplogTimestamp();
    }

    public MongoClient Client { get; }

    /// <summary>The in-memory server, or null when the test runs against MONGOBACKUP_TEST_URI.</summary>
    public MongoTestServer? InMemory { get; }

    /// <summary>The newest oplog entry when the target was opened; <see cref="OplogSince"/> reads after it.</summary>
    public BsonTimestamp Start { get; }

    public IMongoDatabase Admin => Client.GetDatabase("admin");

    /// <summary>MONGOBACKUP_TEST_URI's server when set, otherwise an in-memory replica set.</summary>
    public static MongoTarget Open()
    {
        var uri = Environment.GetEnvironmentVariable(UriVariable);
        return string.IsNullOrWhiteSpace(uri) ? StartInMemory() : new MongoTarget(NewClient(uri), null);
    }

    /// <summary>An in-memory replica set started with these server parameters (mongod's --setParameter).</summary>
    public static MongoTarget StartInMemory(IReadOnlyDictionary<string, string>? parameters = null)
    {
        var server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Parameters = parameters, Log = TextWriter.Null });
        return new MongoTarget(NewClient(server.ConnectionString), server);
    }

    public static string NewDatabaseName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>The oplog entries written after <see cref="Start"/>, in order, optionally only those matching a filter.</summary>
    public List<BsonDocument> OplogSince(BsonDocument? filter = null)
    {
        var query = new BsonDocument("ts", new BsonDocument("$gt", Start));
        if (filter != null) query.AddRange(filter);
        return Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(query).ToList();
    }

    public BsonTimestamp LastOplogTimestamp() =>
        Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument()).Sort(new BsonDocument("$natural", -1)).Limit(1).First()["ts"].AsBsonTimestamp;

    private static MongoClient NewClient(string connectionString)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        return new MongoClient(settings);
    }

    public void Dispose()
    {
        Client.Dispose();
        InMemory?.Dispose();
    }
}
