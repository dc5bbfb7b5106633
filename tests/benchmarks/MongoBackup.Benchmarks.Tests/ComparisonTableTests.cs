using System.Text;

namespace MongoBackup.Benchmarks.Tests;

/// <summary>The comparisons' table says how the shared test server's CPU weighs in each run.</summary>
public sealed class ComparisonTableTests
{
    [Fact]
    public void Each_row_gives_the_servers_share_of_the_cpu_its_run_took_on_each_side()
    {
        var stock = new SideResult { Command = "mongorestore", ElapsedSeconds = 4, CpuSeconds = 3, ServerCpuSeconds = 1 };
        var ours = new SideResult { Command = "Restore-MongoDatabase", ElapsedSeconds = 2, CpuSeconds = 1, ServerCpuSeconds = 1 };
        var report = new BenchReport { StartedAt = DateTimeOffset.UnixEpoch, Commit = "c", Machine = "m", Command = "bench", StockTools = "stock", Comparisons = [new Comparison { Operation = "restore", Compression = "none", Stock = stock, Ours = ours }] };
        var text = new StringBuilder();

        ComparisonTable.Append(text, report);

        Assert.Equal((0.25, 0.5), (stock.ServerCpuShare, ours.ServerCpuShare));
        var lines = text.ToString().Split('\n');
        var header = lines.Single(l => l.StartsWith("| operation", StringComparison.Ordinal)).Split('|');
        var row = lines.Single(l => l.StartsWith("| restore", StringComparison.Ordinal)).Split('|');
        Assert.Equal(header.Length, row.Length);
        Assert.Equal("25 % / 50 %", row[Array.FindIndex(header, h => h.Trim() == "server share (stock / ours)")].Trim());
    }

    [Fact]
    public void The_backup_run_with_the_cmdlets_defaults_is_marked_as_default_settings_and_no_other()
    {
        var stock = new SideResult { Command = "mongodump --gzip", ElapsedSeconds = 4 };
        var ours = new SideResult { Command = "Backup-MongoDatabase", ElapsedSeconds = 1 };
        var report = new BenchReport
        {
            StartedAt = DateTimeOffset.UnixEpoch, Commit = "c", Machine = "m", Command = "bench", StockTools = "stock", Comparisons =
            [
                new Comparison { Operation = "backup", Compression = "zstd", Stock = stock, Ours = ours, DefaultSettings = true },
                new Comparison { Operation = "backup", Compression = "gzip", Stock = stock, Ours = ours with { Command = "Backup-MongoDatabase -Compression Gzip" } },
            ],
        };
        var text = new StringBuilder();

        ComparisonTable.Append(text, report);

        var compressions = text.ToString().Split('\n').Where(l => l.StartsWith("| backup", StringComparison.Ordinal)).Select(l => l.Split('|')[2].Trim());
        Assert.Equal(["zstd (default settings)", "gzip"], compressions);
    }
}
