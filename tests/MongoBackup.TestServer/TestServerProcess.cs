using System.Diagnostics;
using System.Text;

namespace MongoBackup.TestServer;

/// <summary>
/// The test server as a child process, started through its command line (<c>dotnet MongoBackup.TestServer.dll</c>, see
/// <see cref="ServerCommandLine"/>), for callers that must not share its memory or CPU time (the benchmark) or that are not
/// .NET code of their own (the build and the Pester tests load this assembly for it). In-process callers use
/// <see cref="MongoTestServer.Start"/>; nothing else starts the server. The protocol: the server writes exactly one line to
/// standard output, "ready &lt;connection string&gt;", once it accepts connections (a cluster first prints a
/// "member &lt;role&gt; &lt;name&gt; &lt;connection string&gt;" line per member, see <see cref="Members"/>), logs to standard error, and stops when its
/// standard input closes; bad arguments make it exit with code 2 after naming them on standard error.
/// </summary>
public sealed class TestServerProcess : IDisposable
{
    /// <summary>How long the server gets to print its ready line, and to exit once told to stop.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _errorTail = new();
    private readonly TextWriter _log;
    private bool _disposed;

    private TestServerProcess(Process process, TextWriter log)
    {
        Process = process;
        _log = log;
    }

    /// <summary>The running server, for its id, CPU time and memory.</summary>
    public Process Process { get; }

    /// <summary>
    /// The connection string the server printed (mongodb://127.0.0.1:PORT/?replicaSet=NAME or ?directConnection=true; a
    /// cluster's mongos, mongodb://127.0.0.1:PORT/).
    /// </summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>For a cluster (--sharded), every member as it printed them before its ready line; empty otherwise.</summary>
    public IReadOnlyList<Sharding.TestServerMember> Members => _members;

    private readonly List<Sharding.TestServerMember> _members = new();

    /// <summary>The exit code once the server has stopped (0 after <see cref="Dispose"/> closed its input), else null.</summary>
    public int? ExitCode => Process.HasExited ? Process.ExitCode : null;

    /// <summary>
    /// Starts <c>dotnet MongoBackup.TestServer.dll</c> with these arguments (its options, e.g. --port 0 --replSet rs0) and
    /// waits for its ready line. What the server writes to standard error, and any line after the ready one on standard
    /// output (prefixed "stdout: "), goes to <paramref name="log"/> (standard error when null). Throws
    /// <see cref="InvalidOperationException"/> naming the exit code and the last lines the server wrote when it exits or
    /// stays silent for <see cref="Timeout"/> instead.
    /// </summary>
    public static TestServerProcess Start(IEnumerable<string> arguments, TextWriter? log = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MongoBackup.TestServer.dll");
        if (typeof(TestServerProcess).Assembly.Location is { Length: > 0 } location) dll = location;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start the test server.");
        var server = new TestServerProcess(process, TextWriter.Synchronized(log ?? Console.Error));
        process.ErrorDataReceived += (_, e) => server.Log(e.Data, "");
        process.BeginErrorReadLine();
        server.WaitUntilReady();
        return server;
    }

    private void WaitUntilReady()
    {
        var readLine = Process.StandardOutput.ReadLineAsync();
        if (!readLine.Wait(Timeout)) Fail($"printed nothing in {Timeout.TotalSeconds:0} s");
        while (readLine.Result is { } member && member.StartsWith("member ", StringComparison.Ordinal))
        {
            var parts = member.Split(' ', 4);
            if (parts.Length != 4) Fail($"printed '{member}', not 'member <role> <name> <connection string>'");
            _members.Add(new Sharding.TestServerMember(parts[1], parts[2], parts[3]));
            readLine = Process.StandardOutput.ReadLineAsync();
            if (!readLine.Wait(Timeout)) Fail($"printed no ready line in {Timeout.TotalSeconds:0} s");
        }
        if (readLine.Result is not { } line || !line.StartsWith("ready ", StringComparison.Ordinal)) Fail($"printed '{readLine.Result}' instead of its ready line");
        ConnectionString = readLine.Result!["ready ".Length..].Trim();
        _ = Task.Run(async () =>
        {
            // Nothing more is expected on standard output: whatever comes is logged, so a test can see it.
            while (await Process.StandardOutput.ReadLineAsync() is { } later) Log(later, "stdout: ");
        });
    }

    private void Log(string? line, string prefix)
    {
        if (line == null) return;
        lock (_errorTail)
        {
            _errorTail.AppendLine(line);
            if (_errorTail.Length > 4096) _errorTail.Remove(0, _errorTail.Length - 4096);
        }
        _log.WriteLine(prefix + line);
    }

    private void Fail(string what)
    {
        if (!Process.WaitForExit(TimeSpan.FromSeconds(10))) Process.Kill(entireProcessTree: true);
        Process.WaitForExit(); // the last lines of standard error are read
        string tail;
        lock (_errorTail) tail = _errorTail.ToString().Trim();
        var code = Process.ExitCode;
        Process.Dispose();
        throw new InvalidOperationException($"The test server did not start: it {what} and exited with code {code}. It said: {tail}");
    }

    /// <summary>Stops the server by closing its standard input, as its parent going away would; kills it after <see cref="Timeout"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Process.StandardInput.Close();
            if (!Process.WaitForExit(Timeout)) Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // it had already exited
        }
    }
}
