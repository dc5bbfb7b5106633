using System.Net;
using System.Net.Sockets;
using System.Text;
using MongoBackup.Engine.Connection;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Connection;

/// <summary>
/// A run's first contact with something that is not a reachable MongoDB server: the error names host:port and the cause
/// (nothing listening, a service that is not MongoDB, a peer that closes or stays silent, an unknown host, a TLS handshake
/// a plain service cannot make). A cause that waiting cannot change fails at once: its error carries the driver's failed
/// check (a MongoConnectionException), not the TimeoutException of a server selection that ran to its end, although the
/// connection string allows a minute.
/// </summary>
public sealed class ConnectionFailureTests
{
    private const string LongWait = "serverSelectionTimeoutMS=60000";

    private static async Task<MongoBackupException> FirstContactFails(string connectionString)
    {
        using var connection = MongoConnection.Open(new ConnectionSettings { ConnectionString = connectionString });
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => ServerTopology.DiscoverAsync(connection.Client, CancellationToken.None));
        Assert.Equal(ErrorIds.ServerUnreachable, error.ErrorId);
        return error;
    }

    private static void FailedAtOnce(MongoBackupException error) =>
        // The selection timeout's error is a TimeoutException; a definite cause is reported from the check that showed it.
        Assert.IsType<MongoConnectionException>(error.InnerException, exactMatch: false);

    [Fact]
    public async Task A_closed_port_is_connection_refused_at_once_and_no_password_is_shown()
    {
        var port = ClosedPort();
        var error = await FirstContactFails($"mongodb://backup:S3cretPass@127.0.0.1:{port}/?{LongWait}");
        Assert.StartsWith($"Nothing is listening at 127.0.0.1:{port} (connection refused). Check that mongod is running there and the port", error.Message);
        FailedAtOnce(error);
        Assert.DoesNotContain("S3cretPass", error.ToString());
    }

    [Fact]
    public async Task A_service_that_is_not_MongoDB_is_named_as_such_at_once()
    {
        using var http = Listener.Replying("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        var error = await FirstContactFails($"mongodb://127.0.0.1:{http.Port}/?{LongWait}");
        Assert.StartsWith($"127.0.0.1:{http.Port} answered, but not as a MongoDB server: its reply is not MongoDB's wire protocol", error.Message);
        Assert.DoesNotContain("size of the message", error.Message);
        FailedAtOnce(error);
    }

    [Fact]
    public async Task A_host_name_that_does_not_exist_is_a_DNS_failure_at_once()
    {
        // .invalid is reserved never to resolve (RFC 2606).
        var error = await FirstContactFails($"mongodb://no-such-host.invalid:27017/?{LongWait}");
        Assert.StartsWith("The host of no-such-host.invalid:27017 does not resolve (DNS:", error.Message);
        FailedAtOnce(error);
    }

    [Fact]
    public async Task Tls_to_a_service_that_does_not_speak_it_is_a_failed_handshake_at_once()
    {
        using var http = Listener.Replying("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        var error = await FirstContactFails($"mongodb://127.0.0.1:{http.Port}/?tls=true&tlsInsecure=true&{LongWait}");
        Assert.StartsWith($"The TLS handshake with 127.0.0.1:{http.Port} failed:", error.Message);
        Assert.Contains("if it does not, drop tls=true", error.Message);
        FailedAtOnce(error);
    }

    [Theory]
    [InlineData(1000, 2500)] // the check fails first, as with the defaults (10 s to connect, 15 s to select)
    [InlineData(2000, 2000)] // -ConnectTimeout sets both: the selection may time out before the check does
    public async Task A_silent_listener_answered_the_connection_so_the_error_says_so_and_not_firewall(int connectMs, int selectMs)
    {
        // Listening but never accepting: the operating system completes the TCP handshake, then nothing answers the hello.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            var error = await FirstContactFails($"mongodb://127.0.0.1:{port}/?connectTimeoutMS={connectMs}&serverSelectionTimeoutMS={selectMs}");
            Assert.StartsWith($"127.0.0.1:{port} accepted the connection but did not answer MongoDB's hello within {connectMs / 1000} s: a service that is not MongoDB (a wrong port?)", error.Message);
            Assert.DoesNotContain("firewall, a wrong address", error.Message);
            // Silence may end: the whole server selection timeout is waited out.
            Assert.IsType<TimeoutException>(error.InnerException);
        }
        finally { silent.Stop(); }
    }

    [Fact]
    public async Task A_peer_that_closes_without_a_reply_is_named_with_TLS_as_a_likely_cause()
    {
        using var closer = Listener.Replying(null);
        var error = await FirstContactFails($"mongodb://127.0.0.1:{closer.Port}/?serverSelectionTimeoutMS=2000");
        Assert.StartsWith($"127.0.0.1:{closer.Port} accepted the connection and closed it without a MongoDB reply: a server that requires TLS (add tls=true", error.Message);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A TCP service that reads what it is sent, writes <c>reply</c> (none when null) and closes each connection.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        private Listener(byte[]? reply)
        {
            _listener.Start();
            _ = ServeAsync(reply);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static Listener Replying(string? reply) => new(reply is null ? null : Encoding.ASCII.GetBytes(reply));

        private async Task ServeAsync(byte[]? reply)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        if (reply is null) continue;
                        _ = await stream.ReadAsync(new byte[4096], _stop.Token);
                        await stream.WriteAsync(reply, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
