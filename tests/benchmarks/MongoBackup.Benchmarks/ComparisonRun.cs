namespace MongoBackup.Benchmarks;

/// <summary>
/// Runs the backup and restore comparisons the options ask for (restore needs the backups, so it runs them too),
/// after measuring pwsh's start and import alone once (which also warms its files, as mongodump's were by
/// `--version`), and frees their disk when done.
/// </summary>
public static class ComparisonRun
{
    public static async Task<(List<Comparison> Comparisons, ProcessUsage Import)> BackupAndRestoreAsync(ComparisonContext context, Action<Comparison> done, CancellationToken ct)
    {
        var options = context.Bench.Options;
        var comparisons = new List<Comparison>();
        Console.Error.WriteLine($"  our side runs in {context.Ours.Description}");
        var import = await context.RunImportOnlyAsync(ct);
        Console.Error.WriteLine($"  pwsh start and Import-Module alone: {import.ElapsedSeconds:0.0} s, {import.CpuSeconds:0.0} s of CPU");
        if (!options.Runs("compare-backup") && !options.Runs("compare-restore")) return (comparisons, import);

        var (backupComparisons, backups) = await new CompareBackupPhase(context).RunAsync(ct);
        foreach (var c in backupComparisons) Add(c);
        if (options.Runs("compare-restore"))
            foreach (var c in await new CompareRestorePhase(context).RunAsync(backups, ct)) Add(c);

        foreach (var folder in new[] { backups.StockGzipDump, backups.StockPlainDump }.Concat(backups.Ours.Select(o => Path.GetDirectoryName(o.SnapshotFolder)!)))
            Directory.Delete(folder, recursive: true);
        return (comparisons, import);

        void Add(Comparison c)
        {
            comparisons.Add(c);
            done(c);
        }
    }

    /// <summary>One line of progress for a finished comparison.</summary>
    public static string Describe(Comparison c) =>
        $"  compare {c.Operation} {c.CompressionLabel}{(c.Source == "-" ? "" : $" ({c.Source})")}: {c.Stock.Command} {c.Stock.ElapsedSeconds:0.0} s, " +
        $"ours {c.Ours.ElapsedSeconds:0.0} s, speed {c.SpeedRatio:0.00}x" + (c.SizeRatio is { } size ? $", size {size:0.00}" : "") +
        (c.Stock.RoundSeconds.Length > 1 ? $" (medians; rounds: stock {Times(c.Stock)}, ours {Times(c.Ours)})" : "");

    private static string Times(SideResult side) => string.Join(" / ", side.RoundSeconds.Select(s => s.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)));
}
