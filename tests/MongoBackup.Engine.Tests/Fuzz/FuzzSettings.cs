namespace MongoBackup.Engine.Tests.Fuzz;

/// <summary>
/// How long the dump fuzzer runs and from which seed, from the environment: MONGOBACKUP_FUZZ_SECONDS (default 75,
/// CI's share of this 2-core machine; `build.ps1 -Task Test -FuzzSeconds 3600` runs longer), MONGOBACKUP_FUZZ_SEED
/// (default: new each run, printed) and MONGOBACKUP_FUZZ_CASE (one case's seed, printed with every failure, to run
/// that case alone).
/// </summary>
public sealed record FuzzSettings(TimeSpan Budget, int Seed, int? OnlyCase, TimeSpan CaseTimeout)
{
    public const string SecondsVariable = "MONGOBACKUP_FUZZ_SECONDS";
    public const string SeedVariable = "MONGOBACKUP_FUZZ_SEED";
    public const string CaseVariable = "MONGOBACKUP_FUZZ_CASE";

    public static FuzzSettings FromEnvironment()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), out var s) ? s : 75;
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var given) ? given : Random.Shared.Next();
        int? only = int.TryParse(Environment.GetEnvironmentVariable(CaseVariable), out var c) ? c : null;
        return new FuzzSettings(TimeSpan.FromSeconds(seconds), seed, only, TimeSpan.FromSeconds(60));
    }

    /// <summary>The seed of case <paramref name="index"/>: each case can be replayed alone from it.</summary>
    public int CaseSeed(int index) => HashCode.Combine(Seed, index) & int.MaxValue;
}
