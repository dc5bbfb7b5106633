using System.Diagnostics;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests;

/// <summary>
/// Faults the breaker found by killing runs as a production scheduler does; each test fails until it is fixed, and
/// moves to the tests of its concern then.
/// </summary>
public sealed class BreakerFindingsTests
{
    /// <summary>
    /// A backup killed with SIGKILL whose parent does not reap it (a scheduler killed with it, a container whose first process
    /// reaps no orphans, a shell that exec'd into something else) stays a zombie: /proc/PID is still there with the same
    /// starttime, but the process runs no code and will never renew its writer mark. proc(5) gives it state "Z" in
    /// /proc/PID/stat's third field. Judged "Running", its snapshot lists as InProgress and retention keeps it ("its process
    /// still runs") until the mark lapses, where an exited writer is known gone at once.
    /// Seen: kill -9 of `dotnet pwsh` running Backup-MongoDatabase, then Get-MongoSnapshot -IncludeIncomplete at once.
    /// </summary>
    [Fact]
    public async Task A_zombie_writer_process_is_judged_exited_not_running()
    {
        if (!OperatingSystem.IsLinux()) return; // /proc and its zombie state are Linux's; elsewhere an exited process is gone from the table once reaped by its own parent
        // sh starts a child that exits after a second, then becomes sleep (exec), which never waits for it: the child stays a zombie.
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("(sleep 1) & echo $!; exec sleep 60");
        using var parent = Process.Start(start)!;
        try
        {
            var pid = int.Parse((await parent.StandardOutput.ReadLineAsync())!.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (StateOf(pid) != "Z")
            {
                Assert.True(DateTime.UtcNow < deadline, $"process {pid} did not become a zombie (state {StateOf(pid)})");
                await Task.Delay(10);
            }
            var recorded = WriterProcess.Current with { Pid = pid, Started = WriterProcess.StartOf(pid) };
            Assert.NotNull(recorded.Started);

            Assert.Equal(WriterProcess.Presence.Exited, WriterProcess.Judge(recorded));
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
            await parent.WaitForExitAsync();
        }
    }

    private static string? StateOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
