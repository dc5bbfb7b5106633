using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>
/// What the comparison phases share: the benchmark's context, the stock tools and our pwsh side. Both sides are
/// started the same way (a child process of this one, given the same server's connection string) and measured
/// the same way (<see cref="MeasuredProcess"/>); each run's output goes to a log in the scratch folder.
/// </summary>
public sealed class ComparisonContext(BenchContext bench, StockTools stock, PowerShellSide ours)
{
    private int _runs;

    public BenchContext Bench => bench;
    public PowerShellSide Ours => ours;
    public string ScratchDirectory => bench.ScratchDirectory;
    public long Documents => bench.DataSet.Sum(c => c.Documents);
    public long Bytes => bench.DataSet.Sum(c => c.Bytes);

    /// <summary>Runs mongodump or mongorestore (<paramref name="tool"/>) with --uri and <paramref name="arguments"/>.</summary>
    public Task<ProcessUsage> RunStockAsync(string tool, IEnumerable<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(tool == "mongodump" ? stock.Mongodump : stock.Mongorestore);
        start.ArgumentList.Add("--uri");
        start.ArgumentList.Add(bench.Server.ConnectionString);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return RunAsync(start, tool, ct);
    }

    /// <summary>Runs <paramref name="cmdlet"/> followed by -ConnectionString and <paramref name="parameters"/> in pwsh.</summary>
    public Task<ProcessUsage> RunOursAsync(string cmdlet, string parameters, CancellationToken ct) =>
        RunAsync(ours.Start($"$null = {cmdlet} -ConnectionString {PowerShellSide.Quote(bench.Server.ConnectionString)} {parameters}"), cmdlet, ct);

    /// <summary>pwsh starting and importing the module, nothing else: the fixed part of every time on our side.</summary>
    public Task<ProcessUsage> RunImportOnlyAsync(CancellationToken ct) => RunAsync(ours.Start("$null = Get-Module MongoBackup"), "Import-Module", ct);

    private Task<ProcessUsage> RunAsync(ProcessStartInfo start, string label, CancellationToken ct)
    {
        var logs = Directory.CreateDirectory(Path.Combine(bench.ScratchDirectory, "logs")).FullName;
        var log = Path.Combine(logs, $"{Interlocked.Increment(ref _runs):D2}-{label}.log");
        return MeasuredProcess.RunAsync(start, label, bench.Server, log, ct);
    }
}
