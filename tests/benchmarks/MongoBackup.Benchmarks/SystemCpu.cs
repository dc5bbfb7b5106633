namespace MongoBackup.Benchmarks;

/// <summary>
/// Machine-wide CPU counters from /proc/stat (Linux), so a phase can show how much CPU other processes took while
/// it ran (on a shared build machine they compete with the engine and the server) and how long the CPUs sat
/// waiting for the disk. Zero everywhere else.
/// </summary>
public readonly record struct SystemCpu(double BusySeconds, double IoWaitSeconds)
{
    // The kernel reports /proc/stat in USER_HZ ticks, 100 a second on every Linux this runs on.
    private const double TicksPerSecond = 100;

    public static SystemCpu Read()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(long.Parse).ToArray();
            // user nice system idle iowait irq softirq steal ...
            var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
            return new SystemCpu(busy / TicksPerSecond, fields[4] / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return default;
        }
    }

    public static SystemCpu operator -(SystemCpu a, SystemCpu b) => new(a.BusySeconds - b.BusySeconds, a.IoWaitSeconds - b.IoWaitSeconds);
}
