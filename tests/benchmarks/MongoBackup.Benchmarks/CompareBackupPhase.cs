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
        string[] arguments = gzip
            ? ["--db", DataSetSeeder.SourceDatabase, "--gzip", "--out", folder]
            : ["--db", DataSetSeeder.SourceDatabase, "--out", folder];
        var usage = await context.RunStockAsync("mongodump", arguments, ct);
        var documents = await DumpFolder.CountDocumentsAsync(Path.Combine(folder, DataSetSeeder.SourceDatabase), ct);
        if (documents != context.Documents)
            throw new InvalidOperationException($"mongodump{(gzip ? " --gzip" : "")} wrote {documents:N0} documents; {context.Documents:N0} were seeded.");
        var command = gzip ? "mongodump --gzip" : "mongodump";
        return (folder, SideResult.From(command, documents, context.Bytes, DumpFolder.Size(folder), usage));
    }

    private async Task<(string SnapshotFolder, SideResult Result)> OursAsync(Compression compression, CancellationToken ct)
    {
        var name = BackupPhase.Name(compression);
        var folder = Path.Combine(context.ScratchDirectory, $"ours-{name}");
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
