namespace MongoBackup.Benchmarks;

/// <summary>Everything one benchmark run measured, as written to JSON.</summary>
public sealed record BenchReport
{
    public required DateTimeOffset StartedAt { get; init; }
    public required string Commit { get; init; }
    public required string Machine { get; init; }
    public required string Command { get; init; }
    public long Documents { get; init; }
    public int DocumentSize { get; init; }
    public int Collections { get; init; }
    public double SeedSeconds { get; init; }
    public List<PhaseResult> Results { get; init; } = [];
    /// <summary>The stock tools' version (`mongodump --version`), or why no comparison ran; null when none was asked for.</summary>
    public string? StockTools { get; init; }
    /// <summary>Which pwsh ran our side of the comparisons (<see cref="PwshDescription"/>); null when none ran.</summary>
    public string? Pwsh { get; init; }
    /// <summary>Seconds pwsh took to start and import the module, nothing else: part of every time on our side.</summary>
    public double? PwshImportSeconds { get; init; }
    /// <summary>The CPU seconds of that start and import, likewise inside every CPU figure on our side.</summary>
    public double? PwshImportCpuSeconds { get; init; }
    public List<Comparison> Comparisons { get; init; } = [];
    /// <summary>Which side limits each run's throughput, and the figures that say so.</summary>
    public List<string> Findings { get; init; } = [];
}
