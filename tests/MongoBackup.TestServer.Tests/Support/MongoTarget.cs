using System.Net;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Servers;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// The server a wire-level test runs against: the one in MONGOBACKUP_TEST_URI when that is set (so the same test checks
/// a real mongod, which must be a replica set primary), otherwise a fresh in-memory replica set of its own. Each test
/// works in databases of its own (<see cref="NewDatabaseName"/>), dropped at the end on a real server, and reads only the
/// oplog entries written after it began (<see cref="OplogSince"/>), so a shared real server is safe. A test that needs
/// what only the in-memory server has (its startup options, its log, its internals) is marked
/// <see cref="InMemoryFactAttribute"/> and starts one with <see cref="StartInMemory"/>, which refuses when the variable is set.
/// </summary>
public sealed class MongoTarget : IDisposable
{
    public const string UriVariable = "MONGOBACKUP_TEST_URI";

    private readonly List<string> _databases = [];
    private readonly List<MongoClient> _clients = [];
    private readonly string _connectionString;

    private MongoTarget(string connectionString, MongoTestServer? inMemory)
    {
        _connectionString = connectionString;
        InMemory = inMemory;
        Client = NewClient();
        Start = LastOplogTimestamp();
    }

    /// <summary>The URI in MONGOBACKUP_TEST_URI, or null when the tests run against the in-memory server.</summary>
    public static string? ExternalUri => Environment.GetEnvironmentVariable(UriVariable) is { } uri && !string.IsNullOrWhiteSpace(uri) ? uri : null;

    /// <summary>True when MONGOBACKUP_TEST_URI names the server the tests run against.</summary>
    public static bool IsExternal => ExternalUri != null;

    public MongoClient Client { get; }

    /// <summary>The in-memory server, or null when the test runs against MONGOBACKUP_TEST_URI.</summary>
    public MongoTestServer? InMemory { get; }

    /// <summary>The newest oplog entry when the target was opened; <see cref="OplogSince"/> reads after it.</summary>
    public BsonTimestamp Start { get; }

    public IMongoDatabase Admin => Client.GetDatabase("admin");

    /// <summary>MONGOBACKUP_TEST_URI's server when set, otherwise an in-memory replica set.</summary>
    public static MongoTarget Open() => ExternalUri is { } uri ? new MongoTarget(uri, null) : StartInMemory();

    /// <summary>
    /// A server answering as <paramref name="version"/>, for a test of that release's forms: MONGOBACKUP_TEST_URI's when
    /// set (it must be that release: another is refused, so no test checks one release's forms against another's),
    /// otherwise an in-memory replica set started as that release.
    /// </summary>
    public static MongoTarget Open(MongoDbVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (ExternalUri is not { } uri)
            return StartInMemory(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null, Version = version });
        var target = new MongoTarget(uri, null);
        var actual = target.Admin.RunCommand<BsonDocument>(new BsonDocument("buildInfo", 1))["version"].AsString;
        if (actual.StartsWith(version.FeatureCompatibilityVersion + ".", StringComparison.Ordinal)) return target;
        target.Dispose();
        throw new InvalidOperationException($"This test checks MongoDB {version.FeatureCompatibilityVersion}'s forms, but {UriVariable}'s server is {actual}.");
    }

    /// <summary>
    /// MONGOBACKUP_TEST_URI's server (as it was started) when set, otherwise an in-memory replica set started with
    /// <paramref name="inMemoryParameters"/>: for a test that holds whatever values the server has (it reads them with
    /// getParameter) and only wants the in-memory one quicker than mongod's defaults, e.g. a short periodicNoopIntervalSecs.
    /// </summary>
    public static MongoTarget Open(IReadOnlyDictionary<string, string> inMemoryParameters) =>
        ExternalUri is { } uri ? new MongoTarget(uri, null) : StartInMemory(inMemoryParameters);

    /// <summary>
    /// An in-memory replica set started with these server parameters (mongod's --setParameter), or other options. Only
    /// tests marked <see cref="InMemoryFactAttribute"/> or <see cref="InMemoryTheoryAttribute"/> call it: when
    /// MONGOBACKUP_TEST_URI is set it throws, so no test quietly checks the fake in place of the server it was given.
    /// </summary>
    public static MongoTarget StartInMemory(IReadOnlyDictionary<string, string>? parameters = null) =>
        StartInMemory(new TestServerOptions { ReplicaSetName = "rs0", Parameters = parameters, Log = TextWriter.Null });

    /// <inheritdoc cref="StartInMemory(IReadOnlyDictionary{string, string}?)"/>
    public static MongoTarget StartInMemory(TestServerOptions options)
    {
        RefuseWhenExternal();
        var server = MongoTestServer.Start(options);
        return new MongoTarget(server.ConnectionString, server);
    }

    /// <summary>Throws when MONGOBACKUP_TEST_URI is set: the caller needs the in-memory server and must be marked so.</summary>
    public static void RefuseWhenExternal()
    {
        if (IsExternal)
            throw new InvalidOperationException(
                $"This test needs the in-memory server but {UriVariable} is set: mark it [InMemoryFact(reason)] or [InMemoryTheory(reason)].");
    }

    /// <summary>A database name of this test's own (the prefix and 8 random hex digits), dropped at the end on a real server.</summary>
    public string NewDatabaseName(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        lock (_databases) _databases.Add(name);
        return name;
    }

    /// <summary>A database of this test's own on the target (see <see cref="NewDatabaseName"/>).</summary>
    public IMongoDatabase NewDatabase(string prefix) => Client.GetDatabase(NewDatabaseName(prefix));

    /// <summary>
    /// Another client of the same server, with its own connections and sessions; disposed with the target. Clients with
    /// equal settings share one cluster, and with it the pool of server sessions: a name of its own keeps another test's
    /// transactions from reusing this client's session ids (lsid) on a shared real server.
    /// </summary>
    public MongoClient NewClient(Action<MongoClientSettings>? configure = null)
    {
        var settings = MongoClientSettings.FromConnectionString(_connectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        settings.ApplicationName = $"mongobackup-tests-{Guid.NewGuid():N}";
        configure?.Invoke(settings);
        var client = new MongoClient(settings);
        lock (_clients) _clients.Add(client);
        return client;
    }

    /// <summary>The primary's address (what a test speaking the wire protocol on a plain socket connects to).</summary>
    public DnsEndPoint PrimaryEndPoint()
    {
        Admin.RunCommand<BsonDocument>(new BsonDocument("ping", 1));
        var primary = Client.Cluster.Description.Servers.First(s => s.Type is ServerType.ReplicaSetPrimary or ServerType.Standalone);
        return primary.EndPoint switch
        {
            DnsEndPoint dns => dns,
            IPEndPoint ip => new DnsEndPoint(ip.Address.ToString(), ip.Port),
            var other => throw new InvalidOperationException($"unexpected endpoint {other}"),
        };
    }

    /// <summary>The oplog entries written after <see cref="Start"/>, in order, optionally only those matching a filter.</summary>
    public List<BsonDocument> OplogSince(BsonDocument? filter = null)
    {
        var query = new BsonDocument("ts", new BsonDocument("$gt", Start));
        if (filter != null) query = new BsonDocument("$and", new BsonArray { query, filter });
        return Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(query).ToList();
    }

    public BsonTimestamp LastOplogTimestamp() =>
        Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument()).Sort(new BsonDocument("$natural", -1)).Limit(1).First()["ts"].AsBsonTimestamp;

    public void Dispose()
    {
        if (InMemory == null)
            foreach (var database in _databases) Client.DropDatabase(database);
        foreach (var client in _clients) client.Dispose();
        InMemory?.Dispose();
    }
}
