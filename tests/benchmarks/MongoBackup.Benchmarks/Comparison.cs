namespace MongoBackup.Benchmarks;

/// <summary>One side of a comparison: one tool run, what it moved and what it used.</summary>
public sealed record SideResult
{
    /// <summary>What ran, without the connection string or machine paths, e.g. "mongodump --gzip".</summary>
    public required string Command { get; init; }
    public long Documents { get; init; }
    /// <summary>Uncompressed BSON bytes moved (the documents, or the oplog entries, as the server stores them).</summary>
    public long Bytes { get; init; }
    /// <summary>Bytes the backup wrote, or the restore read; 0 where not measured.</summary>
    public long StoredBytes { get; init; }
    public double ElapsedSeconds { get; init; }
    /// <summary>Every round's elapsed seconds, in the order run, when the side ran more than once (see <see cref="Rounds"/>); this result is the median one.</summary>
    public double[] RoundSeconds { get; init; } = [];
    /// <summary>CPU time of the tool's process (for our side: pwsh, the module and the engine in it).</summary>
    public double CpuSeconds { get; init; }
    public double ServerCpuSeconds { get; init; }
    public double OtherProcessesCpuSeconds { get; init; }
    public long PeakBytes { get; init; }
    public long ServerPeakBytes { get; init; }

    public double DocumentsPerSecond => ElapsedSeconds > 0 ? Documents / ElapsedSeconds : 0;
    public double MegabytesPerSecond => ElapsedSeconds > 0 ? Bytes / 1e6 / ElapsedSeconds : 0;

    /// <summary>
    /// The test server's part of the CPU the run took (tool and server together, 0 to 1): the server is a child process
    /// of the benchmark, shared by both sides, so this says how much of a run is the server's work, not the tool's.
    /// </summary>
    public double ServerCpuShare => CpuSeconds + ServerCpuSeconds > 0 ? ServerCpuSeconds / (CpuSeconds + ServerCpuSeconds) : 0;

    public static SideResult From(string command, long documents, long bytes, long stored, ProcessUsage usage) => new()
    {
        Command = command,
        Documents = documents,
        Bytes = bytes,
        StoredBytes = stored,
        ElapsedSeconds = usage.ElapsedSeconds,
        CpuSeconds = usage.CpuSeconds,
        ServerCpuSeconds = usage.ServerCpuSeconds,
        OtherProcessesCpuSeconds = usage.OtherCpuSeconds,
        PeakBytes = usage.PeakBytes,
        ServerPeakBytes = usage.ServerPeakBytes,
    };
}

/// <summary>
/// The stock tool and MongoBackup doing the same work on the same server and data, in one run. SpeedRatio is stock
/// time over ours (above 1: we are faster); SizeRatio our stored bytes over the stock tool's (below 1: we store
/// less), null where both read the same input or sizes say nothing.
/// </summary>
public sealed record Comparison
{
    /// <summary>backup, restore or replay.</summary>
    public required string Operation { get; init; }
    /// <summary>Our side's compression (gzip, zstd, none).</summary>
    public required string Compression { get; init; }
    /// <summary>What was restored: "own snapshot", "stock dump"; "-" for backups.</summary>
    public string Source { get; init; } = "-";
    public required SideResult Stock { get; init; }
    public required SideResult Ours { get; init; }
    public bool CompareSizes { get; init; } = true;
    /// <summary>Our side ran with the cmdlet's defaults (no -Compression given): the row that answers "with default settings".</summary>
    public bool DefaultSettings { get; init; }
    /// <summary>The compression as the table and the progress lines show it, "zstd (default settings)" on the default run.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string CompressionLabel => DefaultSettings ? $"{Compression} (default settings)" : Compression;

    public double SpeedRatio => Ours.ElapsedSeconds > 0 ? Stock.ElapsedSeconds / Ours.ElapsedSeconds : 0;
    public double? SizeRatio => CompareSizes && Stock.StoredBytes > 0 ? (double)Ours.StoredBytes / Stock.StoredBytes : null;
}
