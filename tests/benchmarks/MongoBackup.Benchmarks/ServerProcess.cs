using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>
/// The in-memory test server, run as a child process so that the data it holds (about 1.1 GB per million
/// 1 KB documents) is not counted as the engine's memory, and so its CPU time can be told apart from the engine's.
/// The server's build is copied next to this program by the project reference.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
        Memory = new ProcessMemory(process.Id);
    }

    public string ConnectionString { get; }
    public ProcessMemory Memory { get; }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServerProcess> StartAsync(int oplogSizeMb, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MongoBackup.TestServer.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"The test server is not built next to the benchmark ({dll}); build the benchmark project first.", dll);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true, // the server stops when we close its standard input (or die)
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--port", "0", "--replSet", "rs0", "--oplogSizeMB", oplogSizeMb.ToString() })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the test server.");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The test server did not report ready; its first line was '{line}'.");
        }
        return new ServerProcess(process, line["ready ".Length..].Trim());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
