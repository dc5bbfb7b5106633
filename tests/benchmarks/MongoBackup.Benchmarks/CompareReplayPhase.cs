namespace MongoBackup.Benchmarks;

/// <summary>
/// Point-in-time replay, side by side, of the workload's oplog into the source database itself (mongorestore
/// does not rename what it replays), dropped before each run outside the timing: mongorestore --gzip --drop
/// --oplogReplay of the stock dump folder (the 1,000-document base, then oplog.bson) against
/// Restore-MongoPointInTime to the slice's end (our snapshot of the same base, then the slice: the same entries).
/// Both must leave the collection equal, byte for byte, to the source after the writes. Stored MB is the oplog's
/// alone on both sides: oplog.bson (gzip level 6, as mongodump writes it) against the slice's files. Each side runs
/// <see cref="BenchOptions.Rounds"/> times; its median run is reported.
/// </summary>
public sealed class CompareReplayPhase(ComparisonContext context)
{
    public async Task<Comparison> RunAsync(ReplayWorkload workload, CancellationToken ct)
    {
        var client = context.Bench.Client;
        const string database = ReplayWorkload.SourceDatabase;

        var rounds = context.Bench.Options.Rounds;
        var stock = await Rounds.MedianAsync(rounds, async _ =>
        {
            await client.DropDatabaseAsync(database, ct);
            var usage = await context.RunStockAsync("mongorestore", ["--gzip", "--drop", "--oplogReplay", "--dir", workload.StockDump!], ct);
            await workload.CheckAsync(client, database, "mongorestore --oplogReplay", ct);
            return SideResult.From("mongorestore --gzip --oplogReplay", workload.StockEntries, workload.StockEntryBytes,
                new FileInfo(Path.Combine(workload.StockDump!, "oplog.bson")).Length, usage);
        });
        var end = workload.End;
        var ours = await Rounds.MedianAsync(rounds, async _ =>
        {
            await client.DropDatabaseAsync(database, ct);
            var usage = await context.RunOursAsync("Restore-MongoPointInTime",
                $"-Repository {PowerShellSide.Quote(workload.Repository.Location)} -ClusterTime '{end.Seconds},{end.Increment}' -Drop -Confirm:$false", ct);
            await workload.CheckAsync(client, database, "Restore-MongoPointInTime", ct);
            return SideResult.From("Restore-MongoPointInTime", workload.StockEntries, workload.StockEntryBytes, workload.SliceStoredBytes, usage);
        });

        return new Comparison
        {
            Operation = "replay", Compression = "gzip", Source = $"{workload.StockEntries:N0} oplog entries", CompareSizes = false,
            Stock = stock,
            Ours = ours,
        };
    }
}
