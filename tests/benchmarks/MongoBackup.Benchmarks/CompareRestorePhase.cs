using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Restore, side by side, into a renamed database that is dropped before each run (outside the timing):
/// mongorestore --gzip of the stock gzip dump and plain mongorestore of the uncompressed one, against
/// Restore-MongoDatabase of our own snapshots (gzip and zstd held against mongorestore --gzip, none against the
/// plain one) and of the same two stock dump folders. Both sides use their default workers. Every run is checked:
/// the target holds every document. Each side runs <see cref="BenchOptions.Rounds"/> times; its median run is reported.
/// </summary>
public sealed class CompareRestorePhase(ComparisonContext context)
{
    private const string Target = RestorePhase.TargetDatabase;

    public async Task<List<Comparison>> RunAsync(ComparedBackups backups, CancellationToken ct)
    {
        var stockGzip = await StockAsync(backups.StockGzipDump, gzip: true, backups.StockGzip.StoredBytes, ct);
        var stockPlain = await StockAsync(backups.StockPlainDump, gzip: false, backups.StockPlain.StoredBytes, ct);
        var comparisons = new List<Comparison>();
        foreach (var (compression, snapshot, backup) in backups.Ours)
        {
            var name = BackupPhase.Name(compression);
            comparisons.Add(new Comparison
            {
                Operation = "restore", Compression = name, Source = "own snapshot",
                Stock = compression == Engine.Model.Compression.None ? stockPlain : stockGzip,
                Ours = await OursAsync(snapshot, $"Restore-MongoDatabase (own {name} snapshot)", backup.StoredBytes, ct),
            });
        }
        comparisons.Add(new Comparison
        {
            Operation = "restore", Compression = "gzip", Source = "stock dump", Stock = stockGzip, CompareSizes = false,
            Ours = await OursAsync(backups.StockGzipDump, "Restore-MongoDatabase (stock gzip dump)", backups.StockGzip.StoredBytes, ct),
        });
        comparisons.Add(new Comparison
        {
            Operation = "restore", Compression = "none", Source = "stock dump", Stock = stockPlain, CompareSizes = false,
            Ours = await OursAsync(backups.StockPlainDump, "Restore-MongoDatabase (stock dump)", backups.StockPlain.StoredBytes, ct),
        });
        return comparisons;
    }

    private Task<SideResult> StockAsync(string dump, bool gzip, long stored, CancellationToken ct) =>
        Rounds.MedianAsync(context.Bench.Options.Rounds, _ => StockOnceAsync(dump, gzip, stored, ct));

    private Task<SideResult> OursAsync(string source, string command, long stored, CancellationToken ct) =>
        Rounds.MedianAsync(context.Bench.Options.Rounds, _ => OursOnceAsync(source, command, stored, ct));

    private async Task<SideResult> StockOnceAsync(string dump, bool gzip, long stored, CancellationToken ct)
    {
        await context.Bench.Client.DropDatabaseAsync(Target, ct);
        List<string> arguments = ["--nsFrom", $"{DataSetSeeder.SourceDatabase}.*", "--nsTo", $"{Target}.*", "--dir", dump];
        if (gzip) arguments.Insert(0, "--gzip");
        var usage = await context.RunStockAsync("mongorestore", arguments, ct);
        var command = gzip ? "mongorestore --gzip" : "mongorestore";
        return SideResult.From(command, await CheckTargetAsync(command, ct), context.Bytes, stored, usage);
    }

    private async Task<SideResult> OursOnceAsync(string source, string command, long stored, CancellationToken ct)
    {
        await context.Bench.Client.DropDatabaseAsync(Target, ct);
        var usage = await context.RunOursAsync("Restore-MongoDatabase",
            $"-Path {PowerShellSide.Quote(source)} -RenameDatabase '{DataSetSeeder.SourceDatabase}={Target}'", ct);
        return SideResult.From(command, await CheckTargetAsync(command, ct), context.Bytes, stored, usage);
    }

    private async Task<long> CheckTargetAsync(string command, CancellationToken ct)
    {
        long restored = 0;
        var database = context.Bench.Client.GetDatabase(Target);
        foreach (var collection in context.Bench.DataSet)
            restored += await database.GetCollection<BsonDocument>(collection.Name).EstimatedDocumentCountAsync(cancellationToken: ct);
        if (restored != context.Documents)
            throw new InvalidOperationException($"After {command} the target holds {restored:N0} documents; {context.Documents:N0} were backed up.");
        await context.Bench.Client.DropDatabaseAsync(Target, ct);
        return restored;
    }
}
