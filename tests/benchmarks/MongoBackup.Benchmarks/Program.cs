using System.Diagnostics;
using System.Runtime.InteropServices;
using MongoBackup.Benchmarks;
using MongoDB.Driver;

// Throughput and memory benchmarks of the engine against the in-memory test server (run as a child process),
// and side-by-side comparisons with mongodump/mongorestore when they are found.
// Prints a table and writes <output>/bench-<time>.json and <output>/latest.json. Exit code 2: bad arguments.
BenchOptions options;
StockTools? stock = null;
PowerShellSide? ours = null;
try
{
    options = BenchOptions.Parse(args);
    // The comparisons' tools are found before anything is seeded, so a wrong path fails at once.
    if (options.RunsComparisons && (stock = StockTools.Locate(options.StockToolsDirectory, Environment.GetEnvironmentVariable("PATH"))) is not null)
        ours = PowerShellSide.Locate(options.PwshPath, options.ModulePath);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
var stockStatus = !options.RunsComparisons ? null : stock?.Version ?? StockTools.NotFoundOnPath;
if (options.RunsComparisons && stock is null)
{
    Console.WriteLine(StockTools.NotFoundOnPath);
    if (options.Phases.All(BenchOptions.ComparisonPhases.Contains)) return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;
var started = DateTimeOffset.UtcNow;
var scratch = Path.Combine(Path.GetTempPath(), $"mongobackup-bench-{Guid.NewGuid():N}");
Directory.CreateDirectory(scratch);
try
{
    // The cluster phase seeds and measures a cluster of its own, before the replica set is started and seeded.
    var cluster = options.Runs("cluster") ? await new ClusterBackupPhase(options, scratch).RunAsync(ct) : null;
    if (cluster is not null)
        foreach (var r in cluster.Results) Console.Error.WriteLine($"  {r.Phase} {r.Compression}: {r.Documents:N0} documents, {r.MegabytesPerSecond:N1} MB/s, {r.ElapsedSeconds:N1} s");
    if (options.Phases.SetEquals(["cluster"]))
    {
        var clusterOnly = NewReport(cluster!.Results.ToList(), [], null) with { Findings = cluster.Findings.ToList() };
        Console.WriteLine(ReportWriter.Table(clusterOnly));
        Console.WriteLine("Written to " + await ReportWriter.WriteJsonAsync(clusterOnly, options.OutputDirectory, ct));
        return 0;
    }

    await using var server = await ServerProcess.StartAsync(oplogSizeMb: 1024, ct);
    var client = new MongoClient(server.ConnectionString);
    Console.Error.WriteLine($"Seeding {options.Documents:N0} documents into {server.ConnectionString} (server pid {server.Memory.ProcessId}) ...");
    var seedClock = Stopwatch.StartNew();
    var dataSet = await new DataSetSeeder(client, options).SeedAsync(ct);
    var seedSeconds = seedClock.Elapsed.TotalSeconds;
    var context = new BenchContext(options, server, client, dataSet, scratch);
    var comparing = stock is null ? null : new ComparisonContext(context, stock, ours!);

    var results = new List<PhaseResult>();
    void Done(PhaseResult r)
    {
        results.Add(r);
        Console.Error.WriteLine($"  {r.Phase} {r.Compression}: {r.DocumentsPerSecond:N0} docs/s, {r.MegabytesPerSecond:N1} MB/s, {r.ElapsedSeconds:N1} s, engine peak {r.EnginePeakBytes / 1e6:N0} MB");
    }

    if (options.Runs("server"))
        Done(await new ServerScanPhase(context).RunAsync(ct));

    var backups = new List<BackupRun>();
    if (options.Runs("backup") || options.Runs("restore"))
        foreach (var compression in options.Compressions)
        {
            var backup = await new BackupPhase(context).RunAsync(compression, ct);
            backups.Add(backup);
            Done(backup.Result);
        }

    if (options.Runs("restore"))
        foreach (var backup in backups)
        {
            Done(await new RestorePhase(context).RunAsync(backup, ct));
            // Each snapshot is only needed for its own restore; free the disk as we go.
            Directory.Delete(Path.GetDirectoryName(backup.Repository.LocalPath(backup.Manifest.Id, ""))!, recursive: true);
        }

    var comparisons = new List<Comparison>();
    void Compared(Comparison c)
    {
        comparisons.Add(c);
        Console.Error.WriteLine(ComparisonRun.Describe(c));
    }
    ProcessUsage? import = null;
    if (comparing is not null)
        import = (await ComparisonRun.BackupAndRestoreAsync(comparing, Compared, ct)).Import;

    var compareReplay = comparing is not null && options.Runs("compare-replay");
    if (options.Runs("replay") || compareReplay)
    {
        var workload = await ReplayWorkload.PrepareAsync(context, compareReplay ? comparing : null, ct);
        if (options.Runs("replay")) Done(await new ReplayPhase(context).RunAsync(workload, ct));
        if (compareReplay) Compared(await new CompareReplayPhase(comparing!).RunAsync(workload, ct));
    }

    if (cluster is not null) results.AddRange(cluster.Results);
    var report = NewReport(results, comparisons, import) with { SeedSeconds = seedSeconds };
    if (cluster is not null) report.Findings.AddRange(cluster.Findings);
    Console.WriteLine(ReportWriter.Table(report));
    Console.WriteLine("Written to " + await ReportWriter.WriteJsonAsync(report, options.OutputDirectory, ct));
    return 0;
}
catch (InvalidOperationException e)
{
    // A run that did not do all its work (a tool failed, a count or digest differs): its figures would mean nothing.
    Console.Error.WriteLine($"The benchmark stopped: {e.Message}");
    return 1;
}
finally
{
    try { Directory.Delete(scratch, recursive: true); }
    catch (IOException e) { Console.Error.WriteLine($"Could not remove the scratch folder {scratch}: {e.Message}"); }
}

BenchReport NewReport(List<PhaseResult> results, List<Comparison> comparisons, ProcessUsage? import) => new()
{
    StartedAt = started,
    Commit = GitCommit(),
    Machine = $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}",
    Command = "MongoBackup.Benchmarks " + string.Join(' ', args),
    Documents = options.Documents,
    DocumentSize = options.DocumentSize,
    Collections = options.Collections,
    Results = results,
    Findings = ThroughputAnalysis.Explain(results),
    StockTools = stockStatus,
    Pwsh = import is null ? null : ours?.Description,
    PwshImportSeconds = import?.ElapsedSeconds,
    PwshImportCpuSeconds = import?.CpuSeconds,
    Comparisons = comparisons,
};

// The commit measured, so results can be compared across commits; "unknown" outside a git checkout.
static string GitCommit()
{
    try
    {
        using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true });
        var commit = git!.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 && commit.Length > 0 ? commit : "unknown";
    }
    catch (System.ComponentModel.Win32Exception) { return "unknown"; }
}
