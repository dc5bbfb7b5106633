using MongoBackup.TestServer.Cursors;
using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Sessions;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer;

/// <summary>Everything the commands share: catalog and writers, oplog, cursors, transactions and identity.</summary>
internal sealed class ServerState
{
    public ServerState(TestServerOptions options)
    {
        Options = options;
        Parameters = ServerParameters.FromStartup(options.Parameters);
        Catalog = new Catalog();
        Transactions = new TransactionRegistry(Catalog.Lock);
        CatalogWriter = new CatalogWriter(Catalog);
        DocumentWriter = new DocumentWriter(CatalogWriter);
        CatalogWriter.Views = new ViewDefinitions(CatalogWriter, DocumentWriter);
        CatalogWriter.Documents = DocumentWriter;
        if (options.ReplicaSetName != null)
        {
            Oplog = new ReplicationLog(Catalog, options.OplogSizeMB);
            using (Catalog.Lock.Exclusive())
                Oplog.Append(new BsonDocument { { "op", "n" }, { "ns", "" }, { "o", new BsonDocument("msg", "initiating set") } });
            NoopWriter = new PeriodicNoopWriter(Oplog, Catalog.Lock, () => Parameters);
        }
    }

    public TestServerOptions Options { get; }

    /// <summary>
    /// Set on a mongos (see <see cref="Sharding.ShardedCluster"/>): the cluster time its replies carry. A router keeps no
    /// data, so its commands run without the data lock and synchronise their own state.
    /// </summary>
    public Func<BsonTimestamp>? RouterClusterTime { get; init; }
    /// <summary>The server parameters: set at startup, and those MongoDB lets setParameter change (orphanCleanupDelaySecs) at runtime.</summary>
    public ServerParameters Parameters { get; set; }
    public int Port { get; set; }
    public Catalog Catalog { get; }
    public CatalogWriter CatalogWriter { get; }
    public DocumentWriter DocumentWriter { get; }
    public ReplicationLog? Oplog { get; }
    /// <summary>The primary's periodic no-op writer (a replica-set member's only; a standalone has none), started with the server.</summary>
    public PeriodicNoopWriter? NoopWriter { get; }
    public CursorRegistry Cursors { get; } = new();
    public TransactionRegistry Transactions { get; }

    /// <summary>The retryable findAndModify statements sessions executed, for their retries.</summary>
    public Sessions.FindAndModifyRetries FindAndModifyRetries { get; } = new();
    /// <summary>The statements retryable inserts, updates and deletes executed, per session, for their retries; and each session's check-out.</summary>
    public Sessions.RetryableWriteSessions RetryableWrites { get; } = new();
    public TransactionLog TransactionLog => _transactionLog ??= new TransactionLog(Oplog, Catalog, Parameters);
    private TransactionLog? _transactionLog;
    public DateTime StartedAt { get; } = DateTime.UtcNow;
    public ObjectId ProcessId { get; } = ObjectId.GenerateNewId();
    public ObjectId ElectionId { get; } = new("7fffffff0000000000000001");
    /// <summary>
    /// The set's settings.replicaSetId: an ObjectId generated when the set is initiated (replSetInitiate generates it, and a
    /// reconfig keeps it; MongoDB's replica set configuration reference), so two servers of one set name differ; a restart keeps it.
    /// </summary>
    public ObjectId ReplicaSetId { get; } = ObjectId.GenerateNewId();
    public bool AuthEnabled => Options.AuthUser != null;
    public string HostAndPort => $"127.0.0.1:{Port}";

    private int _connectionIds;
    public int NextConnectionId() => Interlocked.Increment(ref _connectionIds);

    /// <summary>The sink for writes outside transactions: the oplog in replica-set mode, nowhere otherwise.</summary>
    public IOplogSink OplogSink => (IOplogSink?)Oplog ?? DiscardingOplogSink.Instance;

    public WriteContext PlainWrites => new(OplogSink);
}
