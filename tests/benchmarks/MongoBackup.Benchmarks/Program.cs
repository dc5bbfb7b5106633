using System.Diagnostics;
using System.Runtime.InteropServices;
using MongoBackup.Benchmarks;
using MongoDB.Driver;

// Throughput and memory benchmarks of the engine against the in-memory test server (run as a child process).
// Prints a table and writes <output>/bench-<time>.json and <output>/latest.json. Exit code 2: bad arguments.
BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;
var started = DateTimeOffset.UtcNow;
var scratch = Path.Combine(Path.GetTempPath(), $"mongobackup-bench-{Guid.NewGuid():N}");
Directory.CreateDirectory(scratch);
try
{
    await using var server = await ServerProcess.StartAsync(oplogSizeMb: 1024, ct);
    var client = new MongoClient(server.ConnectionString);
    Console.Error.WriteLine($"Seeding {options.Documents:N0} documents into {server.ConnectionString} (server pid {server.Memory.ProcessId}) ...");
    var seedClock = Stopwatch.StartNew();
    var dataSet = await new DataSetSeeder(client, options).SeedAsync(ct);
    var seedSeconds = seedClock.Elapsed.TotalSeconds;
    var context = new BenchContext(options, server, client, dataSet, scratch);

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

    if (options.Runs("replay"))
        Done(await new ReplayPhase(context).RunAsync(ct));

    var report = new BenchReport
    {
        StartedAt = started,
        Commit = GitCommit(),
        Machine = $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}",
        Command = "MongoBackup.Benchmarks " + string.Join(' ', args),
        Documents = options.Documents,
        DocumentSize = options.DocumentSize,
        Collections = options.Collections,
        SeedSeconds = seedSeconds,
        Results = results,
        Findings = ThroughputAnalysis.Explain(results),
    };
    Console.WriteLine(ReportWriter.Table(report));
    Console.WriteLine("Written to " + await ReportWriter.WriteJsonAsync(report, options.OutputDirectory, ct));
    return 0;
}
finally
{
    try { Directory.Delete(scratch, recursive: true); }
    catch (IOException e) { Console.Error.WriteLine($"Could not remove the scratch folder {scratch}: {e.Message}"); }
}

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
