using System.Text.RegularExpressions;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The server a wire-level test talks to, disposed with the test. Most tests use <see cref="Target"/>: the server in
/// MONGOBACKUP_TEST_URI when set, otherwise a fresh in-memory replica set, with databases of the test's own
/// (<see cref="Database"/>) and the oplog entries it wrote (<see cref="OplogOf"/>). Tests marked
/// <see cref="InMemoryFactAttribute"/> start in-memory servers with options (<see cref="StartServer"/>) and may read their
/// log and whole oplog.
/// </summary>
public abstract class ServerTestBase : IDisposable
{
    private readonly List<IDisposable> _owned = new();
    private MongoTarget? _target;

    /// <summary>What in-memory servers started by <see cref="StartServer"/> log (connection errors), for assertions.</summary>
    protected StringWriter ServerLog { get; } = new();

    /// <summary>The server under test, opened on first use (see <see cref="MongoTarget.Open"/>).</summary>
    protected MongoTarget Target => _target ??= Own(MongoTarget.Open());

    protected MongoClient Client => Target.Client;

    /// <summary>A database of this test's own on the target, named from the prefix (dropped at the end on a real server).</summary>
    protected IMongoDatabase Database(string prefix) => Target.NewDatabase(prefix);

    /// <summary>
    /// The oplog entries written to <paramref name="database"/> since the test began: those naming one of its namespaces,
    /// and applyOps entries (transactions, grouped inserts) holding an operation on one; optionally narrowed by a filter.
    /// </summary>
    protected List<BsonDocument> OplogOf(string database, BsonDocument? filter = null)
    {
        var within = new BsonRegularExpression("^" + Regex.Escape(database) + "\\.");
        var query = new BsonDocument("$or", new BsonArray { new BsonDocument("ns", within), new BsonDocument("o.applyOps.ns", within) });
        return Target.OplogSince(filter == null ? query : new BsonDocument("$and", new BsonArray { query, filter }));
    }

    /// <summary>
    /// Applies <paramref name="logged"/> (oplog entries as the server logged them) to namespace <paramref name="target"/>
    /// through applyOps, as a restore replays them: each entry's op, o and o2, its ns replaced. Returns the reply.
    /// </summary>
    protected BsonDocument ApplyLoggedTo(string target, IEnumerable<BsonDocument> logged)
    {
        var entries = new BsonArray(logged.Select(e =>
        {
            var copy = new BsonDocument { { "op", e["op"] }, { "ns", target }, { "o", e["o"] } };
            if (e.Contains("o2")) copy.Add("o2", e["o2"]);
            return copy;
        }));
        return Target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", entries));
    }

    /// <summary>An in-memory server with these options, for tests marked <see cref="InMemoryFactAttribute"/>.</summary>
    protected MongoTestServer StartServer(string? replicaSet = "rs0", int oplogSizeMB = 1024, string? user = null, string? password = null,
        string? tlsPath = null, string? tlsPassword = null, MongoDbVersion? version = null)
    {
        MongoTarget.RefuseWhenExternal();
        return Own(MongoTestServer.Start(new TestServerOptions
        {
            ReplicaSetName = replicaSet, OplogSizeMB = oplogSizeMB, AuthUser = user, AuthPassword = password,
            TlsCertificatePath = tlsPath, TlsCertificatePassword = tlsPassword, Log = TextWriter.Synchronized(ServerLog),
            Version = version ?? MongoDbVersion.V7_0,
        }));
    }

    protected MongoClient Connect(MongoTestServer server, Action<MongoClientSettings>? configure = null)
    {
        var settings = MongoClientSettings.FromConnectionString(server.ConnectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        configure?.Invoke(settings);
        return Own(new MongoClient(settings));
    }

    /// <summary>The whole oplog of a server (an in-memory one the test started), optionally filtered.</summary>
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

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        GC.SuppressFinalize(this);
    }
}
