using System.Net;
using System.Net.Sockets;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A continuous capture that loses its connection and reconnects to a server whose oplog does not continue the chain:
/// the address now answers for another replica set of the same name (a DNS name or load balancer moved to staging, or
/// a failover to a member that rolled back past the last entry captured). The oplog reaches back before the chain's
/// end but does not hold its entry: the rule a capture's first slice obeys (<see cref="ChainContinuity"/>) must hold
/// on the reconnect too, or the chain takes the other set's writes and a point-in-time restore replays them.
/// </summary>
public sealed class ResumedCaptureContinuityTests : IDisposable
{
    // Started first, so its oplog reaches back before production's capture.
    private readonly MongoTestServer _staging = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly MongoTestServer _production = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly SwitchingProxy _proxy;

    public ResumedCaptureContinuityTests() => _proxy = new SwitchingProxy(_production.Port);

    public void Dispose()
    {
        _proxy.Dispose();
        _staging.Dispose();
        _production.Dispose();
    }

    [Fact]
    public async Task A_capture_that_reconnects_to_another_set_of_the_same_name_does_not_slice_its_writes_into_the_chain()
    {
        using var stagingClient = new MongoClient(_staging.ConnectionString);
        var stagingOrders = stagingClient.GetDatabase("app").GetCollection<BsonDocument>("orders");
        await stagingOrders.InsertOneAsync(new BsonDocument("_id", "staging-before"));
        using var productionClient = new MongoClient(_production.ConnectionString);
        var productionOrders = productionClient.GetDatabase("app").GetCollection<BsonDocument>("orders");
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-0"));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var throughProxy = new ConnectionSettings { ConnectionString = $"mongodb://127.0.0.1:{_proxy.Port}/?directConnection=true" };
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = throughProxy, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);

        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = throughProxy, Repository = repository },
            SliceInterval = TimeSpan.FromMilliseconds(300), ReconnectDelay = TimeSpan.FromMilliseconds(200),
        }, stopCapture.Token));
        await productionOrders.InsertOneAsync(new BsonDocument("_id", "production-1"));
        Assert.True(await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(productionClient), capture), "production's write was never sliced");

        // Staging writes after production's last captured entry, then the address answers for staging.
        await stagingOrders.InsertOneAsync(new BsonDocument("_id", "staging-after"));
        _proxy.SwitchTo(_staging.Port);
        await stagingOrders.InsertOneAsync(new BsonDocument("_id", "staging-later"));
        await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(stagingClient), capture);
        await stopCapture.CancelAsync();
        try { await capture; } catch (MongoBackupException) { /* refusing to go on (NoBaseSnapshot) is a right answer */ }

        var slices = (await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).ToList();
        var captured = new List<string>();
        await foreach (var raw in SliceEntries.ReadAsync(repository, slices.OrderBy(s => s.OplogEnd!.Value).ToList(), keys: null, CancellationToken.None))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (entry["op"] == "i" && entry["ns"] == "app.orders") captured.Add(entry["o"]["_id"].AsString);
        }
        Assert.DoesNotContain(captured, id => id.StartsWith("staging", StringComparison.Ordinal));
        Assert.Contains("production-1", captured);
    }

    /// <summary>One address whose server can change: each connection is piped to the current target; a switch drops them all.</summary>
    private sealed class SwitchingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _open = [];
        private readonly CancellationTokenSource _stop = new();
        private volatile int _target;

        public SwitchingProxy(int target)
        {
            _target = target;
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void SwitchTo(int target)
        {
            _target = target;
            lock (_open)
            {
                foreach (var c in _open) c.Close();
                _open.Clear();
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                var outbound = new TcpClient();
                try { await outbound.ConnectAsync(IPAddress.Loopback, _target); }
                catch (SocketException) { inbound.Close(); continue; }
                lock (_open) { _open.Add(inbound); _open.Add(outbound); }
                _ = PipeAsync(inbound, outbound);
                _ = PipeAsync(outbound, inbound);
            }
        }

        private static async Task PipeAsync(TcpClient from, TcpClient to)
        {
            try { await from.GetStream().CopyToAsync(to.GetStream()); }
            catch (Exception) { /* the other side closed */ }
            from.Close();
            to.Close();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            SwitchTo(_target);
            _stop.Dispose();
        }
    }
}
