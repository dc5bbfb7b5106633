namespace MongoBackup.Benchmarks;

/// <summary>One row of the report: a phase, for one compression where that applies.</summary>
public sealed record PhaseResult
{
    public required string Phase { get; init; }
    public string Compression { get; init; } = "-";
    public long Documents { get; init; }
    /// <summary>Uncompressed BSON bytes moved (the documents as the server stores them).</summary>
    public long Bytes { get; init; }
    /// <summary>Bytes stored in the repository (backup output, restore input); 0 where none.</summary>
    public long StoredBytes { get; init; }
    public double ElapsedSeconds { get; init; }
    public double EngineCpuSeconds { get; init; }
    public double ServerCpuSeconds { get; init; }
    /// <summary>CPU other processes on the machine used during the run (they compete for the same cores).</summary>
    public double OtherProcessesCpuSeconds { get; init; }
    /// <summary>CPU time spent idle waiting for the disk during the run, machine-wide.</summary>
    public double IoWaitSeconds { get; init; }
    public long EngineStartBytes { get; init; }
    public long EnginePeakBytes { get; init; }
    public long EngineManagedHeapPeakBytes { get; init; }
    public long ServerPeakBytes { get; init; }
    public bool PeakResetByKernel { get; init; }
    /// <summary>Stage figures of this run (seconds or MB/s, named with their unit).</summary>
    public Dictionary<string, double> Profile { get; init; } = new();

    public double DocumentsPerSecond => ElapsedSeconds > 0 ? Documents / ElapsedSeconds : 0;
    public double MegabytesPerSecond => ElapsedSeconds > 0 ? Bytes / 1e6 / ElapsedSeconds : 0;
    public double CompressionRatio => StoredBytes > 0 ? (double)Bytes / StoredBytes : 0;

    public static PhaseResult From(string phase, string compression, long documents, long bytes, long stored, Usage usage) => new()
    {
        Phase = phase,
        Compression = compression,
        Documents = documents,
        Bytes = bytes,
        StoredBytes = stored,
        ElapsedSeconds = usage.Elapsed.TotalSeconds,
        EngineCpuSeconds = usage.EngineCpu.TotalSeconds,
        ServerCpuSeconds = usage.ServerCpu.TotalSeconds,
        OtherProcessesCpuSeconds = usage.OtherCpuSeconds,
        IoWaitSeconds = usage.IoWaitSeconds,
        EngineStartBytes = usage.Memory.EngineStartBytes,
        EnginePeakBytes = usage.Memory.EngineResidentBytes,
        EngineManagedHeapPeakBytes = usage.Memory.EngineManagedHeapBytes,
        ServerPeakBytes = usage.Memory.ServerResidentBytes,
        PeakResetByKernel = usage.Memory.KernelPeakReset,
    };
}
