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

        /// <summary>
        /// No process of that pid runs here: none has it, or the one that has it ended and only its entry is left (a
        /// zombie its parent has not reaped, or one being reaped), which runs no code and never renews its mark.
        /// </summary>
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
        var started = StartOf(recorded.Pid, out var ended);
        if (started is null) return IsRunning(recorded.Pid) ? Presence.Unknown : Presence.Exited;
        if (started != recorded.Started) return Presence.Replaced;
        return ended ? Presence.Exited : Presence.Running;
    }

    /// <summary>The start stamp of process <paramref name="pid"/> (see <see cref="Started"/>), or null when it does not run or cannot be read.</summary>
    public static string? StartOf(int pid) => StartOf(pid, out _);

    /// <summary>
    /// The start stamp of process <paramref name="pid"/>, and whether it has <paramref name="ended"/> though its entry is
    /// still there (Linux: a zombie or one being reaped; elsewhere an exited process is not found, so never).
    /// </summary>
    private static string? StartOf(int pid, out bool ended)
    {
        ended = false;
        try
        {
            if (OperatingSystem.IsLinux())
            {
                if (ProcStat.Parse(File.ReadAllText($"/proc/{pid}/stat")) is not { } stat) return null;
                ended = stat.HasEnded;
                return stat.StartTime;
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

    /// <summary>
    /// The two fields of a Linux /proc/PID/stat line the judgement needs (proc(5)): the state (field 3) and the
    /// starttime (field 22, clock ticks since boot). The fields are counted after the command name, which is in
    /// parentheses and may itself hold spaces or parentheses, so from the last ')'.
    /// </summary>
    /// <param name="State">One letter: R running, S sleeping, D disk sleep, T stopped, t traced, Z zombie, X dead, I idle, ...</param>
    /// <param name="StartTime">The starttime field as written (decimal clock ticks).</param>
    internal sealed record ProcStat(char State, string StartTime)
    {
        /// <summary>
        /// True for a process that has ended and left only its entry: Z (a zombie, exited or killed and not yet reaped by
        /// its parent, which may never come when that parent does not wait: a container's first process that reaps no
        /// orphans, a shell that exec'd into another program) and X (dead, being reaped).
        /// </summary>
        public bool HasEnded => State is 'Z' or 'X';

        /// <summary>The fields of <paramref name="line"/>, a /proc/PID/stat line; null when it is not one.</summary>
        public static ProcStat? Parse(string line)
        {
            var close = line.LastIndexOf(')');
            if (close < 0 || close + 2 >= line.Length) return null;
            var fields = line[(close + 2)..].Split(' ');
            if (fields.Length <= 19 || fields[0].Length != 1) return null;
            return new ProcStat(fields[0][0], fields[19]);
        }
    }
}
