using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Which process wrote a mark, told well enough that a later run on the same machine can say whether that process still
/// runs: its host, its pid, where that pid means something (<see cref="Scope"/>) and when the process started
/// (<see cref="Started"/>), so a pid the system gave to another process since is not taken for the writer.
/// </summary>
/// <param name="Host">The machine name (<see cref="Environment.MachineName"/>).</param>
/// <param name="Pid">The process id.</param>
/// <param name="Scope">
/// Where the pid is valid: on Linux the boot (/proc/sys/kernel/random/boot_id) and the pid namespace (/proc/self/ns/pid), so
/// two containers that share a host name, or a machine rebooted since, never judge each other's pids; elsewhere the host
/// name alone. Null when it could not be read.
/// </param>
/// <param name="Started">
/// The process's start, exact and independent of the wall clock: on Linux /proc/PID/stat's starttime (clock ticks since
/// boot; .NET's Process.StartTime there is derived from the current wall clock and moves with it), elsewhere
/// Process.StartTime in UTC ticks (recorded by the kernel when the process was created). Null when it could not be read.
/// </param>
public sealed record WriterProcess(
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("scope")] string? Scope,
    [property: JsonPropertyName("started")] string? Started)
{
    /// <summary>What can be said of a recorded writer process from this machine.</summary>
    public enum Presence
    {
        /// <summary>Not for this process to judge: another host, another pid scope, or nothing recorded to compare.</summary>
        Unknown,

        /// <summary>The same process still runs here.</summary>
        Running,

        /// <summary>No process of that pid runs here.</summary>
        Exited,

        /// <summary>A process of that pid runs here, but it started at another time: the pid was given to another process.</summary>
        Replaced,
    }

    private static readonly Lazy<WriterProcess> CurrentProcess = new(() =>
        new WriterProcess(Environment.MachineName, Environment.ProcessId, LocalScope(), StartOf(Environment.ProcessId)));

    /// <summary>This process.</summary>
    public static WriterProcess Current => CurrentProcess.Value;

    /// <summary>
    /// Whether <paramref name="recorded"/> still runs, judged from this process: only on the same host, in the same pid scope,
    /// with a start time recorded; anything else is <see cref="Presence.Unknown"/> (only the lapse of its mark tells then).
    /// </summary>
    public static Presence Judge(WriterProcess recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var here = Current;
        if (!string.Equals(recorded.Host, here.Host, StringComparison.OrdinalIgnoreCase)) return Presence.Unknown;
        if (recorded.Scope is null || recorded.Scope != here.Scope || recorded.Started is null || recorded.Pid <= 0) return Presence.Unknown;
        if (!IsRunning(recorded.Pid)) return Presence.Exited;
        var started = StartOf(recorded.Pid);
        if (started is null) return IsRunning(recorded.Pid) ? Presence.Unknown : Presence.Exited;
        return started == recorded.Started ? Presence.Running : Presence.Replaced;
    }

    /// <summary>The start stamp of process <paramref name="pid"/> (see <see cref="Started"/>), or null when it does not run or cannot be read.</summary>
    public static string? StartOf(int pid)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses:
                // state is field 3, starttime field 22 (proc(5)).
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return fields.Length > 19 ? fields[19] : null;
            }
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                      or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { return true; }
    }

    private static string? LocalScope()
    {
        if (!OperatingSystem.IsLinux()) return Environment.MachineName;
        try
        {
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget;
            return pidNamespace is null ? null : $"{boot} {pidNamespace}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
