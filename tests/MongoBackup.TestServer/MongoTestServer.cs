using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MongoBackup.TestServer.Auth;
using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Wire;
using MongoDB.Bson;

namespace MongoBackup.TestServer;

/// <summary>
/// An in-memory server that speaks MongoDB's wire protocol and presents itself as MongoDB 7.0 (a single-node replica
/// set or a standalone) for what backup and restore tools do. Anything it does not implement fails loudly.
/// </summary>
public sealed class MongoTestServer : IDisposable, IAsyncDisposable
{
    private readonly ServerState _state;
    private readonly CommandDispatcher _dispatcher;
    private readonly X509Certificate2? _certificate;
    private readonly TextWriter _log;
    private readonly ConcurrentDictionary<ClientConnection, Task> _connections = new();
    private readonly object _listenerSync = new();
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private bool _disposed;

    private MongoTestServer(TestServerOptions options, Func<AuthCommands, IEnumerable<ICommandGroup>>? routerGroups = null,
        Func<BsonTimestamp>? routerClusterTime = null)
    {
        _log = TextWriter.Synchronized(options.Log ?? Console.Error); // written from every connection
        _state = new ServerState(options) { RouterClusterTime = routerClusterTime };
        var auth = new AuthCommands();
        _dispatcher = new CommandDispatcher(_state, _log, routerGroups?.Invoke(auth) ?? new ICommandGroup[]
        {
            auth, new HandshakeCommands(auth), new CatalogCommands(), new WriteCommands(), new FindAndModifyCommand(), new ReadCommands(),
            new UserCommands(), new AuthzMergeCommand(), new ApplyOpsCommand(), new TransactionCommands(),
            new ParameterCommands(), new OplogNoteCommand(),
        });
        if (options.TlsCertificatePath != null)
            _certificate = X509CertificateLoader.LoadPkcs12FromFile(options.TlsCertificatePath, options.TlsCertificatePassword);
        if (options.AuthUser != null)
        {
            if (string.IsNullOrEmpty(options.AuthPassword)) throw new ArgumentException("AuthUser needs an AuthPassword", nameof(options));
            using (_state.Catalog.Lock.Exclusive())
                UserCommands.StoreUser(_state, "admin", options.AuthUser, options.AuthPassword,
                    new BsonArray { new BsonDocument { { "role", "root" }, { "db", "admin" } } }, _state.PlainWrites);
        }
    }

    public static MongoTestServer Start(TestServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), $"Port {options.Port} is not a TCP port");
        if (options.OplogSizeMB <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"OplogSizeMB must be positive, not {options.OplogSizeMB}");
        var server = new MongoTestServer(options);
        server.Listen(options.Port);
        // A member of a set of one is primary as soon as it serves: its no-op writer starts then (signalDrainComplete).
        server._state.NoopWriter?.Start();
        return server;
    }

    /// <summary>
    /// A mongos: a server with no data of its own whose commands are <paramref name="groups"/> (given the authentication
    /// commands, which keep its users), run without its data lock, whose replies carry <paramref name="clusterTime"/>.
    /// </summary>
    internal static MongoTestServer StartRouter(TestServerOptions options, Func<AuthCommands, IEnumerable<ICommandGroup>> groups,
        Func<BsonTimestamp> clusterTime)
    {
        var server = new MongoTestServer(options, groups, clusterTime);
        server.Listen(options.Port);
        return server;
    }

    public int Port => _state.Port;

    /// <summary>The server's state, for the cluster machinery that moves data between members (see Sharding/).</summary>
    internal ServerState State => _state;

    /// <summary>Runs one command as if it came on <paramref name="connection"/>, returning the reply (ok: 0 on failure).</summary>
    internal BsonDocument RunCommand(ConnectionState connection, BsonDocument body, string database) =>
        _dispatcher.Run(connection, body, database);

    public string ConnectionString => _state.Options.ReplicaSetName != null
        ? $"mongodb://127.0.0.1:{Port}/?replicaSet={Uri.EscapeDataString(_state.Options.ReplicaSetName)}"
        : $"mongodb://127.0.0.1:{Port}/?directConnection=true";

    /// <summary>Abruptly closes every client connection; the server keeps listening.</summary>
    public void DropAllConnections()
    {
        foreach (var connection in _connections.Keys) connection.Close();
    }

    /// <summary>
    /// Holds the majority commit point (hello's lastWrite.majorityOpTime, replSetGetStatus's optimes.lastCommittedOpTime) at the
    /// newest oplog entry now, as a primary whose secondaries stopped replicating sees it: later writes are applied and in the
    /// oplog, but not majority-committed, until <see cref="ReleaseMajorityCommitPoint"/>.
    /// </summary>
    public void HoldMajorityCommitPoint() => ReplicaSetOplog().HoldCommitPoint();

    /// <summary>Lets the majority commit point catch up with the newest entry and follow it again.</summary>
    public void ReleaseMajorityCommitPoint() => ReplicaSetOplog().ReleaseCommitPoint();

    /// <summary>
    /// A rollback of this member: the oplog truncated after <paramref name="commonPoint"/> (the next writes may take the
    /// timestamps of the entries removed) and every connection dropped, as a member's operations are killed when it goes into
    /// ROLLBACK state (ReplicationStateTransitionLockGuard kills user operations on a state change).
    /// </summary>
    public void RollBackOplogTo(BsonTimestamp commonPoint)
    {
        using (_state.Catalog.Lock.Exclusive()) ReplicaSetOplog().RollBackTo(commonPoint);
        DropAllConnections();
    }

    private Oplog.ReplicationLog ReplicaSetOplog() => _state.Oplog ?? throw new InvalidOperationException("a standalone server has no oplog");

    /// <summary>Stops listening, drops every connection and listens again on the same port; the data stays.</summary>
    public void Restart()
    {
        StopListening();
        DropAllConnections();
        Listen(Port);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _state.NoopWriter?.Dispose();
        StopListening();
        DropAllConnections();
        Task.WaitAll(_connections.Values.ToArray(), TimeSpan.FromSeconds(5));
        _certificate?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Listen(int port)
    {
        lock (_listenerSync)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start(512);
            _listener = listener;
            _state.Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
        }
    }

    private void StopListening()
    {
        Task? loop;
        lock (_listenerSync)
        {
            _listener?.Stop();
            _listener = null;
            loop = _acceptLoop;
        }
        loop?.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // listener stopped
            }
            client.NoDelay = true;
            var connection = new ClientConnection(client, _state.NextConnectionId(), _dispatcher, _certificate, _log);
            var task = Task.Run(connection.RunAsync);
            _connections[connection] = task;
            _ = task.ContinueWith(_ => _connections.TryRemove(connection, out Task? _), TaskScheduler.Default);
        }
    }
}
