using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MongoBackup.Engine.Tests.Repository.ObjectStores;

/// <summary>
/// One local test service from tests/services (Azurite, s3rver and its launcher) run by node on a free loopback port,
/// with its own temp folder as working directory. Ready once its port accepts connections; killed with its
/// children when disposed. Missing node or missing node_modules fail loudly: these tests never skip.
/// </summary>
public sealed class NodeServiceProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeServiceProcess(string name, Process process, int port, string dataFolder)
    {
        Name = name;
        _process = process;
        Port = port;
        DataFolder = dataFolder;
    }

    public string Name { get; }
    public int Port { get; }
    public string DataFolder { get; }

    /// <param name="script">The service's entry script, relative to tests/services (e.g. node_modules/azurite/..., s3-server.js).</param>
    /// <param name="arguments">Its arguments; "{port}" and "{data}" are replaced by the port and the temp folder.</param>
    /// <param name="nodeOptions">Options for node itself, before the script.</param>
    public static async Task<NodeServiceProcess> StartAsync(string name, string script, IEnumerable<string> arguments, IEnumerable<string>? nodeOptions = null)
    {
        var entry = Path.Combine(ServicesFolder(), script.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(entry))
            throw new InvalidOperationException(
                $"{name} is not installed: '{entry}' is missing. Run 'npm ci --prefix tests/services' (build.ps1 -Task Test does it).");
        var port = FreeLoopbackPort();
        var data = Path.Combine(Path.GetTempPath(), "mongobackup-services", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);

        var info = new ProcessStartInfo("node") { WorkingDirectory = data, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var option in nodeOptions ?? []) info.ArgumentList.Add(option);
        info.ArgumentList.Add(entry);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument.Replace("{port}", port.ToString(), StringComparison.Ordinal).Replace("{data}", data, StringComparison.Ordinal));
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"node did not start for {name}.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Node.js ('node') was not found on PATH: the object-store tests run {name} with it. Install Node.js 20+ and npm, then run 'npm ci --prefix tests/services'.", e);
        }
        var service = new NodeServiceProcess(name, process, port, data);
        process.OutputDataReceived += (_, e) => service.Record(e.Data);
        process.ErrorDataReceived += (_, e) => service.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilListeningAsync();
        }
        catch
        {
            service.Dispose();
            throw;
        }
        return service;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { /* already gone */ }
        _process.Dispose();
        try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before listening: {Output()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"{Name} did not listen on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds}s: {Output()}");
    }

    private string Output()
    {
        lock (_output) return _output.Length == 0 ? "(no output)" : _output.ToString().Trim();
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string ServicesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MongoBackup.sln")))
                return Path.Combine(dir.FullName, "tests", "services");
        throw new DirectoryNotFoundException("MongoBackup.sln was not found above the test assembly's folder.");
    }
}
