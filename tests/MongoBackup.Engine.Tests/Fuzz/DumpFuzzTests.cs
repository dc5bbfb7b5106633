using System.Diagnostics;
using MongoBackup.Engine.Tests.Integration;
using Xunit.Abstractions;

namespace MongoBackup.Engine.Tests.Fuzz;

/// <summary>
/// Issue 15's "done when": damaged mongodump folders, archives, snapshots and manifests (bit flips, truncations,
/// insertions, deletions, swapped blocks, huge lengths, deep nesting; in the stored bytes, inside a valid gzip layer,
/// and resealed into a snapshot's manifest) restore into the test server with zero crashes, zero hangs, zero
/// unexpected errors and zero silent partial restores; and, as issue 16 asks, one namespace's damaged file fails that
/// namespace alone (zero collateral failures). Seeded and reproducible: the seed is printed, and each failure
/// with its case seed, its damage and where its input was kept. See <see cref="FuzzSettings"/> for the budget.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DumpFuzzTests(MongoServerFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task Damaged_inputs_never_crash_hang_raise_unexpected_errors_or_restore_part_silently()
    {
        var settings = FuzzSettings.FromEnvironment();
        output.WriteLine($"Fuzzing for {settings.Budget.TotalSeconds:N0} s from {FuzzSettings.SeedVariable}={settings.Seed}" +
                         (settings.OnlyCase is { } only ? $", case {only} only" : ""));
        using var work = new TempFolder();
        var seeds = await FuzzCorpus.BuildAsync(server, work.Path);
        var judge = new FuzzJudge(server, settings.CaseTimeout);
        foreach (var seed in seeds) await judge.BaselineAsync(seed);

        var tally = Enum.GetValues<Verdict>().ToDictionary(v => v, _ => 0);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (var index = 0; settings.OnlyCase is null ? clock.Elapsed < settings.Budget : index < 1; index++)
        {
            var caseSeed = settings.OnlyCase ?? settings.CaseSeed(index);
            var source = seeds[new Random(caseSeed ^ 0x5eed).Next(seeds.Count)];
            var fuzzCase = FuzzCase.Make(caseSeed, source, work.Path);
            var (verdict, detail) = await judge.JudgeAsync(fuzzCase);
            tally[verdict]++;
            var folder = Path.Combine(work.Path, $"case-{caseSeed}");
            if (verdict is Verdict.Crash or Verdict.Hang or Verdict.Unexpected or Verdict.SilentPartial or Verdict.Collateral)
            {
                var kept = Path.Combine(Path.GetTempPath(), "mongobackup-fuzz-failures", caseSeed.ToString());
                if (Directory.Exists(kept)) Directory.Delete(kept, recursive: true);
                FuzzCorpus.CopyTree(folder, kept);
                failures.Add($"{verdict}: {fuzzCase.Describe()}; input kept in {kept}; {fuzzCase.Excerpt()}\n    {detail}");
                if (verdict == Verdict.Hang) break; // the hung restore still runs; the cases after it would be judged against a busy server
            }
            Directory.Delete(folder, recursive: true);
        }

        output.WriteLine($"{tally.Values.Sum()} cases in {clock.Elapsed.TotalSeconds:N0} s: " + string.Join(", ", tally.Select(t => $"{t.Key} {t.Value}")));
        foreach (var failure in failures) output.WriteLine(failure);
        Assert.True(failures.Count == 0, $"{failures.Count} failing cases (seed {settings.Seed}):\n" + string.Join("\n", failures.Take(20)));
    }
}
