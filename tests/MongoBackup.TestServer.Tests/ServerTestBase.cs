using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>Starts servers for a test and disposes them; connection errors the server logs are kept for assertions.</summary>
public abstract class ServerTestBase : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    protected StringWriter ServerLog { get; } = new();

    protected MongoTestServer StartServer(string? replicaSet = "rs0", int oplogSizeMB = 1024, string? user = null, string? password = null,
        string? tlsPath = null, string? tlsPassword = null)
    {
        var server = MongoTestServer.Start(new TestServerOptions
        {
            ReplicaSetName = replicaSet, OplogSizeMB = oplogSizeMB, AuthUser = user, AuthPassword = password,
            TlsCertificatePath = tlsPath, TlsCertificatePassword = tlsPassword, Log = TextWriter.Synchronized(ServerLog),
        });
        _owned.Add(server);
        return server;
    }

    protected MongoClient Connect(MongoTestServer server, Action<MongoClientSettings>? configure = null)
    {
        var settings = MongoClientSettings.FromConnectionString(server.ConnectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        configure?.Invoke(settings);
        var client = new MongoClient(settings);
        _owned.Add(client);
        return client;
    }

    protected static List<BsonDocument> Oplog(MongoClient client, BsonDocument? filter = null) =>
        client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(filter ?? new BsonDocument()).ToList();

    /// <summary>
    /// The insert operations the entries log, in order (of <paramref name="ns"/> only, when given): an insert entry
    /// itself, and each operation of a retryable write's grouped inserts (an applyOps entry with multiOpType 1).
    /// </summary>
    protected static List<BsonDocument> Inserts(IEnumerable<BsonDocument> entries, string? ns = null) =>
        entries.SelectMany(e => e["op"] == "c" && e.Contains("multiOpType") ? e["o"]["applyOps"].AsBsonArray.Select(o => o.AsBsonDocument) : [e])
            .Where(e => e["op"] == "i" && (ns == null || e["ns"] == ns))
            .ToList();

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        GC.SuppressFinalize(this);
    }
}
