using System.Runtime.InteropServices;

namespace MongoBackup.Benchmarks;

/// <summary>
/// The CPU time of this process's finished children, from getrusage(RUSAGE_CHILDREN): the kernel adds a child's
/// user and system time (and its own children's) when it is reaped, which .NET does before WaitForExit returns. The
/// difference across one child's run is that child's exact CPU, with nothing lost to sampling. Long-lived children
/// (the test server) are not in it until they exit. Null where getrusage is unavailable (not Linux or macOS).
/// </summary>
public static class ChildCpu
{
    private const int RusageChildren = -1;

    public static TimeSpan? Read()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        // struct rusage starts with ru_utime and ru_stime (struct timeval: seconds, microseconds); 14 longs follow.
        var usage = new long[18];
        try
        {
            if (GetRusage(RusageChildren, usage) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        var microseconds = (usage[0] + usage[2]) * 1_000_000 + usage[1] + usage[3];
        return TimeSpan.FromMicroseconds(microseconds);
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);
}
