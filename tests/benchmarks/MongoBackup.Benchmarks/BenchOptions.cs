using MongoBackup.Engine.Model;

namespace MongoBackup.Benchmarks;

/// <summary>The benchmark's command line. Unknown or malformed arguments stop the run with a message naming them.</summary>
public sealed record BenchOptions
{
    public const string Usage =
        "usage: MongoBackup.Benchmarks --output DIR [--documents N] [--doc-size BYTES] [--collections N]\n" +
        "       [--compression zstd,gzip,none] [--oplog-entries N]\n" +
        "       [--phases server,backup,restore,replay,cluster,compare-backup,compare-restore,compare-replay]\n" +
        "       [--stock-tools DIR] [--pwsh PATH] [--module PATH] [--rounds N]\n" +
        "  restore needs the backups, so it runs them even when 'backup' is not listed (their figures are reported);\n" +
        "  compare-restore likewise runs compare-backup. The compare-* phases run mongodump/mongorestore (found in\n" +
        "  --stock-tools DIR, else on PATH; skipped, saying so, when absent) against our cmdlets in a pwsh child\n" +
        "  process (--pwsh: pwsh or pwsh.dll, else pwsh on PATH; --module: MongoBackup.psd1, else out/MongoBackup).\n" +
        "  cluster backs up a two-shard test cluster through its mongos and then each shard alone, on a server of its own.\n" +
        "  --rounds: each side of a comparison runs this many times (default 3) and its median run is reported.";

    public static readonly string[] ComparisonPhases = ["compare-backup", "compare-restore", "compare-replay"];
    public static readonly string[] AllPhases = ["server", "backup", "restore", "replay", "cluster", .. ComparisonPhases];

    public required string OutputDirectory { get; init; }
    public long Documents { get; init; } = 1_000_000;
    public int DocumentSize { get; init; } = 1024;
    public int Collections { get; init; } = 4;
    /// <summary>Ours, in this order; the default compression (zstd) first.</summary>
    public IReadOnlyList<Compression> Compressions { get; init; } = [Compression.Zstd, Compression.Gzip, Compression.None];
    public IReadOnlySet<string> Phases { get; init; } = new HashSet<string>(AllPhases);
    public int OplogEntries { get; init; } = 200_000;
    /// <summary>The folder holding mongodump and mongorestore; null: look on PATH.</summary>
    public string? StockToolsDirectory { get; init; }
    /// <summary>pwsh (an executable, or pwsh.dll run by dotnet) for our side of the comparisons; null: pwsh on PATH.</summary>
    public string? PwshPath { get; init; }
    /// <summary>The staged module's manifest (MongoBackup.psd1); null: out/MongoBackup above the benchmark's folder.</summary>
    public string? ModulePath { get; init; }
    /// <summary>
    /// How many times each side of a comparison runs; the run of median elapsed time is the one reported (the others'
    /// times are kept beside it). One run each swung a ratio by half its value between two runs on one machine.
    /// </summary>
    public int Rounds { get; init; } = 3;

    public bool Runs(string phase) => Phases.Contains(phase);
    public bool RunsComparisons => ComparisonPhases.Any(Runs);

    /// <exception cref="ArgumentException">An argument is unknown, lacks its value or has a bad one; the message says which.</exception>
    public static BenchOptions Parse(string[] args)
    {
        string? output = null;
        var options = new BenchOptions { OutputDirectory = "" };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
            var value = args[++i];
            options = name switch
            {
                "--output" => options with { OutputDirectory = output = value },
                "--documents" => options with { Documents = PositiveLong(name, value) },
                "--doc-size" => options with { DocumentSize = (int)Math.Max(256, PositiveLong(name, value)) },
                "--collections" => options with { Collections = (int)PositiveLong(name, value) },
                "--compression" => options with { Compressions = ParseCompressions(value) },
                "--phases" => options with { Phases = ParsePhases(value) },
                "--oplog-entries" => options with { OplogEntries = (int)PositiveLong(name, value) },
                "--stock-tools" => options with { StockToolsDirectory = value },
                "--pwsh" => options with { PwshPath = value },
                "--module" => options with { ModulePath = value },
                "--rounds" => options with { Rounds = (int)Math.Min(PositiveLong(name, value), 99) },
                _ => throw new ArgumentException($"Unknown argument '{name}'."),
            };
        }
        if (string.IsNullOrWhiteSpace(output)) throw new ArgumentException("--output DIR is required (where the JSON results go).");
        return options;
    }

    private static long PositiveLong(string name, string value) =>
        long.TryParse(value.Replace(",", "").Replace("_", ""), out var n) && n > 0
            ? n : throw new ArgumentException($"{name} must be a positive whole number, not '{value}'.");

    private static IReadOnlyList<Compression> ParseCompressions(string value) =>
        Split(value).Select(c => c.ToLowerInvariant() switch
        {
            "gzip" => Compression.Gzip,
            "zstd" => Compression.Zstd,
            "none" => Compression.None,
            _ => throw new ArgumentException($"--compression takes gzip, zstd and none; '{c}' is none of them."),
        }).Distinct().ToList();

    private static IReadOnlySet<string> ParsePhases(string value)
    {
        var phases = Split(value).Select(p => p.ToLowerInvariant()).ToHashSet();
        var unknown = phases.Except(AllPhases).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"--phases takes {string.Join(", ", AllPhases)}; unknown: {string.Join(", ", unknown)}.");
        return phases;
    }

    private static string[] Split(string value)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length > 0 ? parts : throw new ArgumentException($"'{value}' names nothing.");
    }
}
