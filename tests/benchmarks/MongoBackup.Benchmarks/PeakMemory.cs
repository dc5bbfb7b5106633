using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>Peak memory figures of one phase: the engine (this process) and the server (the child process).</summary>
/// <summary>
/// EngineStartBytes is the engine's resident memory when the phase began (after a full collection): what the process
/// already held (runtime, driver, whatever earlier phases left mapped), so the peak minus it is the phase's own need.
/// </summary>
public sealed record MemoryPeaks(long EngineStartBytes, long EngineResidentBytes, long EngineManagedHeapBytes, long ServerResidentBytes, bool KernelPeakReset);

/// <summary>
/// Measures the peaks of one phase. It first collects garbage and resets the kernel's high-water marks of both
/// processes, so the figure belongs to the phase and not to the seeding before it; a 50 ms sampler also keeps
/// the largest managed heap seen (the kernel's figure includes the runtime and the driver; the heap is ours alone),
/// and stands in for the kernel's peak where that cannot be reset.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private readonly ProcessMemory _engine = new(Environment.ProcessId);
    private readonly ProcessMemory _server;
    private readonly bool _reset;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _sampler;
    private readonly long _engineStart;
    private long _engineRss, _heap, _serverRss;

    private PeakMemory(ProcessMemory server)
    {
        _server = server;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        _reset = _engine.TryResetPeak() & _server.TryResetPeak();
        _engineStart = _engine.CurrentBytes ?? Process.GetCurrentProcess().WorkingSet64;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "peak memory sampler" };
        _sampler.Start();
    }

    public static PeakMemory Start(ProcessMemory server) => new(server);

    public MemoryPeaks Stop()
    {
        _stop.Cancel();
        _sampler.Join();
        TakeSample();
        var engine = _reset ? Math.Max(_engine.PeakBytes ?? 0, _engineRss) : _engineRss;
        var server = _reset ? Math.Max(_server.PeakBytes ?? 0, _serverRss) : _serverRss;
        return new MemoryPeaks(_engineStart, engine, _heap, server, _reset);
    }

    private void Sample()
    {
        while (!_stop.IsCancellationRequested)
        {
            TakeSample();
            _stop.Token.WaitHandle.WaitOne(50);
        }
    }

    private void TakeSample()
    {
        _engineRss = Math.Max(_engineRss, _engine.CurrentBytes ?? Process.GetCurrentProcess().WorkingSet64);
        _heap = Math.Max(_heap, GC.GetGCMemoryInfo().HeapSizeBytes);
        _heap = Math.Max(_heap, GC.GetTotalMemory(false));
        _serverRss = Math.Max(_serverRss, _server.CurrentBytes ?? 0);
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_sampler.IsAlive) _sampler.Join();
        _stop.Dispose();
    }
}
