using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>What one timed run used: wall time, CPU time of each process, and memory peaks.
/// <see cref="OtherCpuSeconds"/> is what the rest of the machine used meanwhile; <see cref="IoWaitSeconds"/> CPU time idle on the disk.</summary>
public sealed record Usage(TimeSpan Elapsed, TimeSpan EngineCpu, TimeSpan ServerCpu, MemoryPeaks Memory, double OtherCpuSeconds, double IoWaitSeconds);

/// <summary>Times one run: wall clock, this process's CPU (the engine and the driver), the server's CPU, and peak memory.</summary>
public sealed class PhaseMeter
{
    private readonly ServerProcess _server;
    private readonly PeakMemory _memory;
    private readonly Stopwatch _clock;
    private readonly TimeSpan _engineCpu, _serverCpu;
    private readonly SystemCpu _system;

    private PhaseMeter(ServerProcess server)
    {
        _server = server;
        _memory = PeakMemory.Start(server.Memory);
        _engineCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _serverCpu = server.CpuTime;
        _system = SystemCpu.Read();
        _clock = Stopwatch.StartNew();
    }

    public static PhaseMeter Start(ServerProcess server) => new(server);

    public Usage Stop()
    {
        var elapsed = _clock.Elapsed;
        var engineCpu = Process.GetCurrentProcess().TotalProcessorTime - _engineCpu;
        var serverCpu = _server.CpuTime - _serverCpu;
        var system = SystemCpu.Read() - _system;
        var memory = _memory.Stop();
        _memory.Dispose();
        var other = Math.Max(0, system.BusySeconds - engineCpu.TotalSeconds - serverCpu.TotalSeconds);
        return new Usage(elapsed, engineCpu, serverCpu, memory, other, system.IoWaitSeconds);
    }
}
