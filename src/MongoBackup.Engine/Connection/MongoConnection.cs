using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Configuration;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// One run's connection to a MongoDB deployment: one driver client, whose cluster (connection pool, server monitors
/// and their heartbeats) belongs to this connection alone and is closed when it is disposed, also after a failure.
/// A run opens it once and passes it to every step that talks to that server.
/// </summary>
/// <remarks>
/// MongoDB.Driver 3.x keeps clusters in a process-wide registry keyed by their settings, and
/// <see cref="MongoClient.Dispose()"/> leaves the cluster open (its ClusterSource only returns it), so a long PowerShell
/// session would keep a pool and heartbeats per set of settings (per run with -TlsCaFile, whose validator is new each
/// time). Closing goes through <see cref="ClusterRegistry.UnregisterAndDisposeCluster"/>; and since the registry compares
/// cluster configurators by reference, each connection sets one of its own, so it never shares (and never closes) a
/// cluster another connection with the same settings is using.
/// </remarks>
public sealed class MongoConnection : IDisposable
{
    /// <summary>
    /// Test seam: when set in an async flow, configures the cluster of every connection opened in that flow (tests
    /// subscribe to its opened and closed events to count clients and see each closed, and to the commands it sends).
    /// </summary>
    internal static readonly AsyncLocal<Action<ClusterBuilder>?> ClusterWatch = new();

    private readonly MongoClient _client;
    private readonly ICluster _cluster;
    private int _disposed;

    private MongoConnection(MongoClientSettings settings, string displayName)
    {
        var watch = ClusterWatch.Value;
        // A new delegate per connection (it captures this call's locals), so the registry never hands this cluster to another client.
        settings.ClusterConfigurator = builder => watch?.Invoke(builder);
        _client = new MongoClient(settings);
        _cluster = _client.Cluster;
        DisplayName = displayName;
    }

    /// <summary>The driver client; valid until the connection is disposed.</summary>
    public IMongoClient Client => _client;

    /// <summary>The connection string with any password hidden, for messages.</summary>
    public string DisplayName { get; }

    /// <summary>Opens a connection as <paramref name="settings"/> say (nothing is sent until the first command).</summary>
    /// <exception cref="MongoBackupException">InvalidConnectionString or InvalidArgument: the settings cannot be used.</exception>
    public static MongoConnection Open(ConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new MongoConnection(MongoClientFactory.Settings(settings), settings.DisplayName);
    }

    /// <summary>A connection with driver settings made from a run's own (a diagnosis probe, a completion's short timeout).</summary>
    internal static MongoConnection Open(MongoClientSettings settings, string displayName) => new(settings.Clone(), displayName);

    /// <summary>Disposes the client and closes its cluster: its pool's connections and its monitors. Safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _client.Dispose();
        ClusterRegistry.Instance.UnregisterAndDisposeCluster(_cluster);
    }
}
