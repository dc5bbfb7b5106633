using System.Globalization;
using System.Text;

namespace MongoBackup.Benchmarks;

/// <summary>Prints the comparisons with the stock tools as a Markdown table, ratios first, or says why there are none.</summary>
public static class ComparisonTable
{
    public static void Append(StringBuilder text, BenchReport report)
    {
        if (report.StockTools is null) return;
        text.AppendLine();
        if (report.Comparisons.Count == 0)
        {
            text.AppendLine(report.StockTools);
            return;
        }
        var import = string.Create(CultureInfo.InvariantCulture, $"{report.PwshImportSeconds:0.0} s, {report.PwshImportCpuSeconds:0.0} s of CPU");
        text.AppendLine(
            $"Against the stock tools ({report.StockTools}), same server and data, each side a child process of the benchmark; ours is pwsh " +
            $"importing the module and running one cmdlet (pwsh start and import alone: {import}, inside every 'ours' figure; " +
            $"that pwsh: {report.Pwsh ?? "not recorded"}). " +
            "speed = stock time / ours (above 1: ours is faster); size = our stored bytes / stock's (below 1: ours is smaller). " +
            "The test server is a separate process both sides share: server share = its CPU over the run's (tool's and server's together)." +
            (report.Comparisons.Max(c => c.Stock.RoundSeconds.Length) is var rounds and > 1
                ? $" Each side ran {rounds} times; every figure is its run of median time (all rounds' times are in the JSON, RoundSeconds)."
                : ""));
        text.AppendLine();
        text.AppendLine("| operation | compression | source | stock | speed | size | stock s | ours s | stock MB/s | ours MB/s | stock docs/s | ours docs/s | stock MB | ours MB | stock CPU s | ours CPU s | server CPU s (stock / ours) | server share (stock / ours) | stock peak MB | ours peak MB |");
        text.AppendLine("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in report.Comparisons)
        {
            var size = c.SizeRatio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "-";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Operation} | {c.CompressionLabel} | {c.Source} | {c.Stock.Command} | {c.SpeedRatio:0.00}x | {size} | {c.Stock.ElapsedSeconds:N1} | {c.Ours.ElapsedSeconds:N1} | " +
                $"{c.Stock.MegabytesPerSecond:N1} | {c.Ours.MegabytesPerSecond:N1} | {c.Stock.DocumentsPerSecond:N0} | {c.Ours.DocumentsPerSecond:N0} | " +
                $"{Mb(c.Stock.StoredBytes)} | {Mb(c.Ours.StoredBytes)} | {c.Stock.CpuSeconds:N1} | {c.Ours.CpuSeconds:N1} | " +
                $"{c.Stock.ServerCpuSeconds:N1} / {c.Ours.ServerCpuSeconds:N1} | {c.Stock.ServerCpuShare:P0} / {c.Ours.ServerCpuShare:P0} | {Mb(c.Stock.PeakBytes)} | {Mb(c.Ours.PeakBytes)} |"));
        }
        var other = report.Comparisons.Max(c => Math.Max(c.Stock.OtherProcessesCpuSeconds / c.Stock.ElapsedSeconds, c.Ours.OtherProcessesCpuSeconds / c.Ours.ElapsedSeconds));
        if (other >= 0.5)
            text.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Other processes took up to {other:0.00} cores during these runs: the machine was shared, and the times and ratios are not reliable."));
    }

    private static string Mb(long bytes) => bytes > 0 ? (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture) : "-";
}
