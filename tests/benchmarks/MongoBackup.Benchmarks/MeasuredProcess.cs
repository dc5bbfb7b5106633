using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>
/// What one child process (a stock tool, or pwsh running a cmdlet) used: wall time from its start to its exit, its
/// CPU time (with its own children's), its peak resident memory, and the server's CPU and peak over the same span;
/// OtherCpuSeconds is what the rest of the machine took meanwhile.
/// </summary>
public sealed record ProcessUsage(double ElapsedSeconds, double CpuSeconds, long PeakBytes, double ServerCpuSeconds, long ServerPeakBytes, double OtherCpuSeconds);

/// <summary>
/// Runs one child process to its end and measures it. Its output goes to a log file (the last lines are shown
/// when it fails); a 50 ms sampler reads its VmHWM, the kernel's own peak, so the figure misses at most what it
/// grows in its last 50 ms.
/// </summary>
public static class MeasuredProcess
{
    /// <exception cref="InvalidOperationException">The process exits non-zero; the message holds the end of its output.</exception>
    public static async Task<ProcessUsage> RunAsync(ProcessStartInfo start, string label, ServerProcess server, string logPath, CancellationToken ct)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        await using var log = new StreamWriter(logPath);
        var serverPeakReset = server.Memory.TryResetPeak();
        var childCpu = ChildCpu.Read();
        var serverCpu = server.CpuTime;
        var selfCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var system = SystemCpu.Read();
        var clock = Stopwatch.StartNew();

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{label} did not start.");
        DataReceivedEventHandler write = (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var memory = new ProcessMemory(process.Id);
        long peak = 0, serverPeak = 0, sampledCpuTicks = 0;
        try
        {
            var exited = process.WaitForExitAsync(ct);
            while (!exited.IsCompleted)
            {
                peak = Math.Max(peak, memory.PeakBytes ?? 0);
                serverPeak = Math.Max(serverPeak, server.Memory.CurrentBytes ?? 0);
                try { sampledCpuTicks = process.TotalProcessorTime.Ticks; } catch (InvalidOperationException) { }
                await Task.WhenAny(exited, Task.Delay(50, ct));
            }
            await exited;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var elapsed = clock.Elapsed.TotalSeconds;

        var cpu = ChildCpu.Read() is { } after && childCpu is { } before ? (after - before).TotalSeconds : TimeSpan.FromTicks(sampledCpuTicks).TotalSeconds;
        var serverUsed = (server.CpuTime - serverCpu).TotalSeconds;
        var selfUsed = (Process.GetCurrentProcess().TotalProcessorTime - selfCpu).TotalSeconds;
        var other = Math.Max(0, (SystemCpu.Read() - system).BusySeconds - cpu - serverUsed - selfUsed);
        serverPeak = Math.Max(serverPeak, serverPeakReset ? server.Memory.PeakBytes ?? 0 : 0);
        lock (log) log.Flush();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{label} failed with exit code {process.ExitCode}; the end of its output:\n{Tail(logPath)}");
        return new ProcessUsage(elapsed, cpu, peak, serverUsed, serverPeak, other);
    }

    private static string Tail(string path)
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var lines = reader.ReadToEnd().Split('\n');
        return string.Join('\n', lines.TakeLast(20));
    }
}
