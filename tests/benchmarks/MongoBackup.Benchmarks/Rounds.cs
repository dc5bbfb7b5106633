namespace MongoBackup.Benchmarks;

/// <summary>
/// Runs one side of a comparison several times (<see cref="BenchOptions.Rounds"/>) and keeps the run of median
/// elapsed time, with every round's time beside it (<see cref="SideResult.RoundSeconds"/>): on a shared 2-core machine
/// one run each swung a ratio by half its value between two benchmark runs, mostly from the slower side's outliers.
/// </summary>
public static class Rounds
{
    /// <param name="rounds">Runs to make, at least one.</param>
    /// <param name="run">One run, given its round (0-based); each must leave the server and disk as it found them for the next.</param>
    public static async Task<SideResult> MedianAsync(int rounds, Func<int, Task<SideResult>> run)
    {
        var results = new List<SideResult>();
        for (var round = 0; round < Math.Max(1, rounds); round++) results.Add(await run(round));
        return Median(results);
    }

    /// <summary>The run of median elapsed time (the lower middle one of an even count), carrying every run's time.</summary>
    public static SideResult Median(IReadOnlyList<SideResult> results)
    {
        if (results.Count == 0) throw new ArgumentException("No run to choose from.", nameof(results));
        var ordered = results.OrderBy(r => r.ElapsedSeconds).ToList();
        return ordered[(ordered.Count - 1) / 2] with { RoundSeconds = results.Select(r => r.ElapsedSeconds).ToArray() };
    }
}
