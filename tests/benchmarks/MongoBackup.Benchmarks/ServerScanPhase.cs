using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Phase 1: the server alone. A full scan of every collection through find/getMore into RawBsonDocument
/// (no engine, no compression, no disk), with the collections read in parallel as the backup reads them.
/// Its rate is the ceiling the backup can reach on this machine.
/// </summary>
public sealed class ServerScanPhase(BenchContext context)
{
    public async Task<PhaseResult> RunAsync(CancellationToken ct)
    {
        var meter = PhaseMeter.Start(context.Server);
        long documents = 0, bytes = 0;
        await Parallel.ForEachAsync(context.DataSet, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (collection, token) =>
        {
            var (d, b) = await ScanAsync(collection, token);
            Interlocked.Add(ref documents, d);
            Interlocked.Add(ref bytes, b);
        });
        var usage = meter.Stop();
        var expected = context.DataSet.Sum(c => c.Documents);
        if (documents != expected)
            throw new InvalidOperationException($"The server scan returned {documents:N0} documents; {expected:N0} were seeded.");
        return PhaseResult.From("server", "-", documents, bytes, 0, usage);
    }

    private async Task<(long Documents, long Bytes)> ScanAsync(SeededCollection collection, CancellationToken ct)
    {
        var source = context.Client.GetDatabase(collection.Database).GetCollection<RawBsonDocument>(collection.Name);
        long documents = 0, bytes = 0;
        // The same batch size the engine's dumper asks for.
        using var cursor = await source.FindAsync(FilterDefinition<RawBsonDocument>.Empty, new FindOptions<RawBsonDocument> { BatchSize = 4096 }, ct);
        while (await cursor.MoveNextAsync(ct))
        {
            foreach (var document in cursor.Current)
            {
                using (document)
                {
                    bytes += document.Slice.Length;
                    documents++;
                }
            }
        }
        return (documents, bytes);
    }
}
