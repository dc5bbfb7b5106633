namespace MongoBackup.TestServer;

/// <summary>How a <see cref="MongoTestServer"/> presents itself: port, topology, authentication, TLS, oplog size.</summary>
public sealed record TestServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Replica set name; null serves a standalone (no oplog).</summary>
    public string? ReplicaSetName { get; init; }

    /// <summary>With <see cref="AuthPassword"/>: a root user on admin, and authentication required.</summary>
    public string? AuthUser { get; init; }

    public string? AuthPassword { get; init; }

    /// <summary>A .pfx file: the server speaks TLS with this certificate.</summary>
    public string? TlsCertificatePath { get; init; }

    public string? TlsCertificatePassword { get; init; }

    /// <summary>
    /// The MongoDB release the server answers as and whose oplog forms it writes (<see cref="MongoDbVersion.V7_0"/> by
    /// default; <see cref="MongoDbVersion.V8_0"/> for 8.0's grouped retryable inserts).
    /// </summary>
    public MongoDbVersion Version { get; init; } = MongoDbVersion.V7_0;

    /// <summary>Size cap of local.oplog.rs; the oldest entries drop past it.</summary>
    public int OplogSizeMB { get; init; } = 1024;

    /// <summary>
    /// Server parameters set at startup, as mongod's --setParameter name=value sets them (see <see cref="ServerParameters"/>);
    /// an unknown name or a bad value makes <see cref="MongoTestServer.Start"/> throw.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    /// <summary>
    /// The member's role in a sharded cluster, as mongod's --shardsvr / --configsvr set it (see
    /// <see cref="Sharding.ShardedCluster"/>, which starts such members); <see cref="ClusterRole.None"/> outside one.
    /// </summary>
    public ClusterRole ClusterRole { get; init; }

    /// <summary>Where connection errors are logged; null means standard error.</summary>
    public TextWriter? Log { get; init; }
}
