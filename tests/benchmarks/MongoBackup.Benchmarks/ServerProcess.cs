using MongoBackup.TestServer;

namespace MongoBackup.Benchmarks;

/// <summary>
/// The in-memory test server, run as a child process (<see cref="TestServerProcess"/>) so that the data it holds (about
/// 1.1 GB per million 1 KB documents) is not counted as the engine's memory, and so its CPU time can be told apart from
/// the engine's.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly TestServerProcess _server;

    private ServerProcess(TestServerProcess server)
    {
        _server = server;
        Memory = new ProcessMemory(server.Process.Id);
    }

    public string ConnectionString => _server.ConnectionString;
    public ProcessMemory Memory { get; }

    public TimeSpan CpuTime
    {
        get
        {
            _server.Process.Refresh();
            return _server.Process.TotalProcessorTime;
        }
    }

    public static async Task<ServerProcess> StartAsync(int oplogSizeMb, CancellationToken ct) =>
        new(await Task.Run(() => TestServerProcess.Start(["--port", "0", "--replSet", "rs0", "--oplogSizeMB", oplogSizeMb.ToString()]), ct));

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        return ValueTask.CompletedTask;
    }
}
