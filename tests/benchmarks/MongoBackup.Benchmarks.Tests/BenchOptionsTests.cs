namespace MongoBackup.Benchmarks.Tests;

public class BenchOptionsTests
{
    [Fact]
    public void ComparisonsAreInTheDefaultsAndTakeTheirFolders()
    {
        var defaults = BenchOptions.Parse(["--output", "out"]);
        Assert.True(defaults.RunsComparisons);
        Assert.Equal(200_000, defaults.OplogEntries);
        var options = BenchOptions.Parse(["--output", "out", "--phases", "server,compare-replay", "--stock-tools", "/opt/tools", "--pwsh", "/x/pwsh.dll", "--module", "/m/MongoBackup.psd1"]);
        Assert.Equal(["compare-replay", "server"], options.Phases.Order());
        Assert.Equal("/opt/tools", options.StockToolsDirectory);
        Assert.Equal("/x/pwsh.dll", options.PwshPath);
        Assert.Equal("/m/MongoBackup.psd1", options.ModulePath);
        Assert.False(BenchOptions.Parse(["--output", "out", "--phases", "backup,restore"]).RunsComparisons);
    }

    [Fact]
    public void TheClusterPhaseIsADefaultAndCanRunAlone()
    {
        Assert.True(BenchOptions.Parse(["--output", "out"]).Runs("cluster"));
        var alone = BenchOptions.Parse(["--output", "out", "--phases", "cluster"]);
        Assert.Equal(["cluster"], alone.Phases);
        Assert.False(alone.RunsComparisons);
    }

    [Fact]
    public void AnUnknownPhaseIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--output", "out", "--phases", "compare-dump"]));
        Assert.Contains("compare-dump", error.Message);
    }

    [Fact]
    public void PowerShellStringsAreQuotedSafely() => Assert.Equal("'it''s here'", PowerShellSide.Quote("it's here"));
}
