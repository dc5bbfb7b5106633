using System.Diagnostics;

namespace MongoBackup.Benchmarks.Tests;

public class ChildCpuTests
{
    [Fact]
    public void CountsTheCpuOfAFinishedChildAndNoMoreThanItsWallTimeAllows()
    {
        var before = ChildCpu.Read();
        Assert.NotNull(before);
        var clock = Stopwatch.StartNew();
        // A shell loop burns CPU whatever the machine's load; its CPU time, not its wall time, is what is counted.
        using var child = Process.Start(new ProcessStartInfo("sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"]))!;
        child.WaitForExit();
        var wall = clock.Elapsed;
        var used = ChildCpu.Read()!.Value - before.Value;
        Assert.InRange(used.TotalSeconds, 0.05, wall.TotalSeconds + 0.05);
    }
}
