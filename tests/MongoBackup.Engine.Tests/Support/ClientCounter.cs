using System.Collections.Concurrent;
using MongoBackup.Engine.Connection;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Configuration;
using MongoDB.Driver.Core.Events;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// Counts the driver clients the engine opens in this test's async flow, and which of them had their cluster (pool and
/// monitors) closed, as the driver itself reports it (ClusterOpenedEvent, ClusterClosedEvent). Every connection has a
/// cluster of its own, so clusters opened are clients made.
/// </summary>
public sealed class ClientCounter : IDisposable
{
    private readonly ConcurrentDictionary<ClusterId, bool> _clusters = new();

    private ClientCounter() { }

    /// <summary>Counts from now until disposed, in the calling flow and the tasks it starts.</summary>
    public static ClientCounter Start()
    {
        var counter = new ClientCounter();
        MongoConnection.ClusterWatch.Value = counter.Watch;
        return counter;
    }

    public int Opened => _clusters.Count;

    public int Closed => _clusters.Count(c => c.Value);

    private void Watch(ClusterBuilder builder) => builder
        .Subscribe<ClusterOpenedEvent>(e => _clusters.TryAdd(e.ClusterId, false))
        .Subscribe<ClusterClosedEvent>(e => _clusters[e.ClusterId] = true);

    public void Dispose() => MongoConnection.ClusterWatch.Value = null;
}
