using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// One client connection: reads frames, runs each command, writes the reply (none when moreToCome). A malformed
/// frame or unsupported opcode is logged and closes this connection only.
/// </summary>
internal sealed class ClientConnection
{
    private const int MaxMessageBytes = 48_000_000;
    private const int KeptPayloadBytes = 16 * 1024 * 1024;
    private const int OwnedPayloadMinBytes = RecordStore.SharedArrayMinBytes; // what the record store keeps in place

    private readonly TcpClient _client;
    private readonly CommandDispatcher _dispatcher;
    private readonly X509Certificate2? _certificate;
    private readonly TextWriter _log;
    private readonly CancellationTokenSource _closing = new();
    private byte[] _payload = new byte[4096];

    public ClientConnection(TcpClient client, int id, CommandDispatcher dispatcher, X509Certificate2? certificate, TextWriter log)
    {
        _client = client;
        _dispatcher = dispatcher;
        _certificate = certificate;
        _log = log;
        State = new ConnectionState(id, client.Client.RemoteEndPoint?.ToString() ?? "unknown");
    }

    public ConnectionState State { get; }

    public void Close()
    {
        _closing.Cancel();
        try
        {
            // Abrupt: the peer sees a reset, as with a crashed server. Client is null once the connection already closed.
            if (_client.Client is { } socket) socket.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
        _client.Close();
    }

    public async Task RunAsync()
    {
        try
        {
            Stream stream = _client.GetStream();
            if (_certificate != null)
            {
                var ssl = new SslStream(stream, false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _closing.Token);
                stream = ssl;
            }
            await ServeAsync(stream);
        }
        catch (MalformedMessageException e)
        {
            Log($"closing connection {State.Id} from {State.Remote}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            if (!_closing.IsCancellationRequested) Log($"connection {State.Id} from {State.Remote} ended: {e.Message}");
        }
        finally
        {
            _client.Close();
        }
    }

    private async Task ServeAsync(Stream stream)
    {
        var header = new byte[RequestParser.HeaderLength];
        while (!_closing.IsCancellationRequested)
        {
            if (!await ReadExactlyOrEndAsync(stream, header)) return;
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var requestId = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            var opCode = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
            if (length < RequestParser.HeaderLength || length > MaxMessageBytes)
                throw new MalformedMessageException($"message length {length} is out of range");
            if (opCode != OpCode.Msg && opCode != OpCode.Query)
                throw new MalformedMessageException($"unsupported opcode {opCode}");
            var payloadLength = length - RequestParser.HeaderLength;
            // A large message (a restore's insert batch) gets an array of its own, which the documents it inserts then
            // view where they are; smaller ones share the connection's buffer, from which the parser copies what it keeps.
            var owned = payloadLength >= OwnedPayloadMinBytes;
            var payload = owned ? GC.AllocateUninitializedArray<byte>(payloadLength) : PayloadBuffer(payloadLength);
            await stream.ReadExactlyAsync(payload.AsMemory(0, payloadLength), _closing.Token);
            var request = RequestParser.Parse(requestId, opCode, new ArraySegment<byte>(payload, 0, payloadLength), owned);
            await WaitForAwaitableHelloAsync(request);
            var reply = request.Refusal is { } refusal
                ? _dispatcher.Refuse(refusal)
                : await Task.Run(() => _dispatcher.Run(State, request.Body, request.Database, request.MisnamedArrayMembers));
            if (request.MoreToCome) continue;
            var (buffer, replyLength) = ReplyWriter.Frame(request, reply);
            await stream.WriteAsync(buffer.AsMemory(0, replyLength), _closing.Token);
        }
    }

    /// <summary>
    /// The parser copies out everything it keeps from a message read here, so one buffer serves every smaller request of
    /// this connection.
    /// </summary>
    private byte[] PayloadBuffer(int length)
    {
        if (length > KeptPayloadBytes) return new byte[length];
        if (_payload.Length < length) _payload = new byte[Math.Max(length, Math.Min(KeptPayloadBytes, _payload.Length * 2))];
        return _payload;
    }

    /// <summary>
    /// Streaming monitors send hello with topologyVersion and maxAwaitTimeMS: MongoDB answers only when the topology
    /// changes or the time runs out. Ours never changes, so wait (without a thread) to spare the client a busy loop.
    /// </summary>
    private async Task WaitForAwaitableHelloAsync(CommandRequest request)
    {
        if (request.CommandName is not ("hello" or "isMaster" or "ismaster")) return;
        if (!request.Body.Contains("topologyVersion") || !request.Body.TryGetValue("maxAwaitTimeMS", out var wait) || !wait.IsNumeric) return;
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(wait.ToInt64(), 10_000)), _closing.Token);
    }

    private async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), _closing.Token);
            if (n == 0)
            {
                if (read == 0) return false;
                throw new MalformedMessageException("connection closed inside a message header");
            }
            read += n;
        }
        return true;
    }

    private void Log(string message)
    {
        _log.WriteLine("[test-server] " + message);
    }
}
