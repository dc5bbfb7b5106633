namespace MongoBackup.Benchmarks.Tests;

/// <summary>Each side of a comparison is its median run of several, with every round's time kept.</summary>
public sealed class RoundsTests
{
    [Fact]
    public async Task The_run_of_median_time_is_reported_with_every_rounds_time_in_the_order_run()
    {
        double[] times = [5.0, 2.0, 9.0];
        var runs = new List<int>();

        var median = await Rounds.MedianAsync(3, round =>
        {
            runs.Add(round);
            return Task.FromResult(new SideResult { Command = $"run {round}", ElapsedSeconds = times[round], CpuSeconds = round });
        });

        Assert.Equal([0, 1, 2], runs);
        Assert.Equal(("run 0", 5.0, 0.0), (median.Command, median.ElapsedSeconds, median.CpuSeconds));
        Assert.Equal(times, median.RoundSeconds);
    }

    [Fact]
    public void Of_an_even_count_the_lower_middle_run_is_taken()
    {
        var median = Rounds.Median([new SideResult { Command = "a", ElapsedSeconds = 4 }, new SideResult { Command = "b", ElapsedSeconds = 1 },
            new SideResult { Command = "c", ElapsedSeconds = 3 }, new SideResult { Command = "d", ElapsedSeconds = 2 }]);

        Assert.Equal("d", median.Command);
    }

    [Fact]
    public void Rounds_default_to_three_and_take_a_positive_count()
    {
        Assert.Equal(3, BenchOptions.Parse(["--output", "out"]).Rounds);
        Assert.Equal(1, BenchOptions.Parse(["--output", "out", "--rounds", "1"]).Rounds);
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--output", "out", "--rounds", "0"]));
        Assert.Contains("--rounds", error.Message);
    }
}
