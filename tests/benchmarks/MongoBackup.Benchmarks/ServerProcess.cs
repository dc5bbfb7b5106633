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

    /// <summary>For a cluster (<see cref="StartClusterAsync"/>), its members (mongos, config, shards) with their connection strings; else empty.</summary>
    public IReadOnlyList<MongoBackup.TestServer.Sharding.TestServerMember> Members => _server.Members;

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

    /// <summary>A sharded cluster (mongos, config server and <paramref name="shards"/> shards, one process); <see cref="ConnectionString"/> is the mongos.</summary>
    public static async Task<ServerProcess> StartClusterAsync(int shards, int oplogSizeMb, CancellationToken ct) =>
        new(await Task.Run(() => TestServerProcess.Start(["--port", "0", "--sharded", "--shards", shards.ToString(), "--oplogSizeMB", oplogSizeMb.ToString()]), ct));

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        return ValueTask.CompletedTask;
    }
}
