using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Benchmarks;

/// <summary>The backups the comparison made, kept for the restore comparison: two stock dumps and our snapshots.</summary>
public sealed record ComparedBackups(string StockGzipDump, SideResult StockGzip, string StockPlainDump, SideResult StockPlain,
    IReadOnlyList<(Compression Compression, string SnapshotFolder, SideResult Result)> Ours);

/// <summary>
/// Backup, side by side: mongodump --gzip and plain mongodump of the source database, then Backup-MongoDatabase
/// into a fresh repository once per compression. The run with the cmdlet's default compression (zstd, see
/// <see cref="BackupCompression.Default"/>) passes no -Compression and is marked as default settings: mongodump --gzip
/// against what a user who chooses nothing gets. Ours with zstd and gzip is held against mongodump --gzip (the stock
/// tool has no zstd), ours without compression against plain mongodump. Each output is checked to hold every document.
/// Each side runs <see cref="BenchOptions.Rounds"/> times into an emptied folder; its median run is reported.
/// </summary>
public sealed class CompareBackupPhase(ComparisonContext context)
{
    public async Task<(List<Comparison> Comparisons, ComparedBackups Backups)> RunAsync(CancellationToken ct)
    {
        var (gzipDump, stockGzip) = await StockAsync(gzip: true, ct);
        var (plainDump, stockPlain) = await StockAsync(gzip: false, ct);
        var comparisons = new List<Comparison>();
        var ours = new List<(Compression, string, SideResult)>();
        foreach (var compression in context.Bench.Options.Compressions)
        {
            var (snapshot, result) = await OursAsync(compression, ct);
            ours.Add((compression, snapshot, result));
            comparisons.Add(new Comparison
            {
                Operation = "backup", Compression = BackupPhase.Name(compression),
                Stock = compression == Compression.None ? stockPlain : stockGzip, Ours = result,
                DefaultSettings = compression == BackupCompression.Default,
            });
        }
        return (comparisons, new ComparedBackups(gzipDump, stockGzip, plainDump, stockPlain, ours));
    }

    private async Task<(string Folder, SideResult Result)> StockAsync(bool gzip, CancellationToken ct)
    {
        var folder = Path.Combine(context.ScratchDirectory, gzip ? "stock-dump-gzip" : "stock-dump");
        var result = await Rounds.MedianAsync(context.Bench.Options.Rounds, _ => StockOnceAsync(gzip, folder, ct));
        return (folder, result);
    }

    private async Task<(string SnapshotFolder, SideResult Result)> OursAsync(Compression compression, CancellationToken ct)
    {
        string snapshot = "";
        var result = await Rounds.MedianAsync(context.Bench.Options.Rounds, async _ =>
        {
            (snapshot, var once) = await OursOnceAsync(compression, ct);
            return once;
        });
        return (snapshot, result);
    }

    /// <summary>One mongodump into <paramref name="folder"/>, emptied first (outside the timing) so each round starts alike.</summary>
    private async Task<SideResult> StockOnceAsync(bool gzip, string folder, CancellationToken ct)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        string[] arguments = gzip
            ? ["--db", DataSetSeeder.SourceDatabase, "--gzip", "--out", folder]
            : ["--db", DataSetSeeder.SourceDatabase, "--out", folder];
        var usage = await context.RunStockAsync("mongodump", arguments, ct);
        var documents = await DumpFolder.CountDocumentsAsync(Path.Combine(folder, DataSetSeeder.SourceDatabase), ct);
        if (documents != context.Documents)
            throw new InvalidOperationException($"mongodump{(gzip ? " --gzip" : "")} wrote {documents:N0} documents; {context.Documents:N0} were seeded.");
        var command = gzip ? "mongodump --gzip" : "mongodump";
        return SideResult.From(command, documents, context.Bytes, DumpFolder.Size(folder), usage);
    }

    /// <summary>One Backup-MongoDatabase into a fresh repository (the last round's is the one the restores read).</summary>
    private async Task<(string SnapshotFolder, SideResult Result)> OursOnceAsync(Compression compression, CancellationToken ct)
    {
        var name = BackupPhase.Name(compression);
        var folder = Path.Combine(context.ScratchDirectory, $"ours-{name}");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var choice = compression == BackupCompression.Default ? "" : $" -Compression {compression}";
        var usage = await context.RunOursAsync("Backup-MongoDatabase",
            $"-Repository {PowerShellSide.Quote(folder)} -Database {DataSetSeeder.SourceDatabase}{choice}", ct);

        var repository = new FolderRepository(folder);
        var snapshots = await SnapshotCatalog.LoadCompleteAsync(repository, ct);
        if (snapshots.Count != 1)
            throw new InvalidOperationException($"Backup-MongoDatabase ({name}) left {snapshots.Count} complete snapshots in a fresh repository; one was expected.");
        var manifest = snapshots[0];
        var documents = manifest.Namespaces.Sum(n => n.Documents);
        if (documents != context.Documents)
            throw new InvalidOperationException($"Backup-MongoDatabase ({name}) holds {documents:N0} documents; {context.Documents:N0} were seeded.");
        var snapshot = repository.LocalPath(manifest.Id, "")!;
        return (snapshot, SideResult.From($"Backup-MongoDatabase{choice}", documents, context.Bytes, DumpFolder.Size(snapshot), usage));
    }
}
