using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MongoBackup.Benchmarks;

/// <summary>Prints the report as a table and writes it as JSON (bench-&lt;time&gt;.json and latest.json) so runs can be compared.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Table(BenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"{report.Documents:N0} documents of ~{report.DocumentSize} B in {report.Collections} collections; {report.Machine}; commit {report.Commit}");
        text.AppendLine();
        text.AppendLine("| phase | compression | documents/s | MB/s | stored MB | ratio | elapsed s | engine CPU s | server CPU s | other CPU s | engine start MB | engine peak MB | engine heap peak MB | server peak MB |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in report.Results)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Phase} | {r.Compression} | {r.DocumentsPerSecond:N0} | {r.MegabytesPerSecond:N1} | {Stored(r)} | {Ratio(r)} | {r.ElapsedSeconds:N1} | " +
                $"{r.EngineCpuSeconds:N1} | {r.ServerCpuSeconds:N1} | {r.OtherProcessesCpuSeconds:N1} | {Mb(r.EngineStartBytes)} | {Mb(r.EnginePeakBytes)} | {Mb(r.EngineManagedHeapPeakBytes)} | {Mb(r.ServerPeakBytes)} |"));
        }
        text.AppendLine();
        foreach (var finding in report.Findings) text.AppendLine("- " + finding);
        ComparisonTable.Append(text, report);
        return text.ToString();
    }

    /// <returns>The path of the timestamped JSON file.</returns>
    public static async Task<string> WriteJsonAsync(BenchReport report, string directory, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(report, Json);
        var path = Path.Combine(directory, $"bench-{report.StartedAt.UtcDateTime:yyyyMMddTHHmmss}.json");
        await File.WriteAllTextAsync(path, json, ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.json"), json, ct);
        return path;
    }

    private static string Mb(long bytes) => (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture);
    private static string Stored(PhaseResult r) => r.StoredBytes > 0 ? Mb(r.StoredBytes) : "-";
    private static string Ratio(PhaseResult r) => r.StoredBytes > 0 && r.Phase != "replay" ? r.CompressionRatio.ToString("0.00", CultureInfo.InvariantCulture) : "-";
}
