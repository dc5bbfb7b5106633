using System.Diagnostics;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Phase 4: oplog replay. A small collection is backed up in full, then written to through the driver
/// (half inserts, a third $set updates, the rest deletes) so the oplog holds about --oplog-entries entries;
/// an oplog slice saves them; PointInTimeRestoreRunner then restores the snapshot into a renamed database
/// and replays the slice up to its last entry. The restored collection must end up equal in count to the source.
/// </summary>
public sealed class ReplayPhase(BenchContext context)
{
    private const string SourceDatabase = "replaysrc", TargetDatabase = "replaydst", CollectionName = "events";
    private const int BaseDocuments = 1000, BatchSize = 1000;

    public async Task<PhaseResult> RunAsync(CancellationToken ct)
    {
        var repository = new FolderRepository(Path.Combine(context.ScratchDirectory, "replay"));
        var source = context.Client.GetDatabase(SourceDatabase).GetCollection<BsonDocument>(CollectionName);
        var documents = new OrderDocuments(context.Options.DocumentSize);
        var random = new Random(42);
        await source.InsertManyAsync(Enumerable.Range(0, BaseDocuments).Select(i => documents.New(i, random)), cancellationToken: ct);

        var observer = new CollectingObserver();
        await new BackupRunner(observer).RunAsync(new BackupRequest
        {
            Connection = context.Connection, Repository = repository, Compression = Compression.Zstd,
            Filter = new NamespaceFilter(databases: [SourceDatabase]),
        }, ct);
        var writes = await WriteAsync(source, documents, random, ct);
        var slice = await new OplogSliceRunner(observer).RunAsync(new OplogSliceRequest
        {
            Connection = context.Connection, Repository = repository, Compression = Compression.Zstd,
        }, ct) ?? throw new InvalidOperationException("The oplog slice after the writes came out empty.");
        observer.ThrowIfAnyFailed("Preparing the replay phase");

        var meter = PhaseMeter.Start(context.Server);
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository,
            Limit = OplogLimit.AtClusterTime(slice.OplogEnd!.Value),
            Restore = new RestoreRequest
            {
                Connection = context.Connection, SourcePath = "", Drop = true,
                Map = new NamespaceMap().AddDatabaseRename(SourceDatabase, TargetDatabase),
            },
        }, ct);
        var usage = meter.Stop();
        observer.ThrowIfAnyFailed("The point-in-time restore");
        if (!outcome.Restore.Succeeded)
            throw new InvalidOperationException($"The point-in-time restore did not succeed: {outcome.Restore.OplogError ?? "a namespace failed"}.");

        var expected = await source.EstimatedDocumentCountAsync(cancellationToken: ct);
        var restored = await context.Client.GetDatabase(TargetDatabase).GetCollection<BsonDocument>(CollectionName).EstimatedDocumentCountAsync(cancellationToken: ct);
        if (restored != expected)
            throw new InvalidOperationException($"After replay the target holds {restored:N0} documents; the source holds {expected:N0}.");
        await context.Client.DropDatabaseAsync(TargetDatabase, ct);
        await context.Client.DropDatabaseAsync(SourceDatabase, ct);

        return PhaseResult.From("replay", "zstd", outcome.SliceEntriesApplied, slice.Files.Sum(f => f.Size), slice.Files.Sum(f => f.Size), usage) with
        {
            Profile = new Dictionary<string, double>
            {
                ["oplogEntriesWritten"] = writes,
                ["sliceEntries"] = slice.OplogEntries,
                ["entriesPerSecond"] = usage.Elapsed.TotalSeconds > 0 ? outcome.SliceEntriesApplied / usage.Elapsed.TotalSeconds : 0,
            },
        };
    }

    /// <summary>The writes the slice will hold: inserts, then $set updates of live documents, then deletes. Returns how many.</summary>
    private async Task<long> WriteAsync(IMongoCollection<BsonDocument> source, OrderDocuments documents, Random random, CancellationToken ct)
    {
        var total = context.Options.OplogEntries;
        var inserts = total / 2;
        var updates = total / 3;
        var deletes = total - inserts - updates;
        var clock = Stopwatch.StartNew();
        long nextId = BaseDocuments;
        var live = BaseDocuments + inserts;

        await InBatchesAsync(inserts, _ => new InsertOneModel<BsonDocument>(documents.New(nextId++, random)));
        await InBatchesAsync(updates, _ => new UpdateOneModel<BsonDocument>(
            Builders<BsonDocument>.Filter.Eq("_id", (long)random.Next(live)),
            Builders<BsonDocument>.Update.Set("status", "updated").Inc("quantity", 1)));
        // Deletes take distinct ids from the top down, so each one removes a document and writes one entry.
        var deleteId = (long)live;
        await InBatchesAsync(deletes, _ => new DeleteOneModel<BsonDocument>(Builders<BsonDocument>.Filter.Eq("_id", --deleteId)));
        Console.Error.WriteLine($"  wrote {total:N0} operations for the replay in {clock.Elapsed.TotalSeconds:0.0} s");
        return total;

        async Task InBatchesAsync(int count, Func<int, WriteModel<BsonDocument>> next)
        {
            for (var done = 0; done < count; done += BatchSize)
            {
                var batch = Enumerable.Range(done, Math.Min(BatchSize, count - done)).Select(next).ToList();
                await source.BulkWriteAsync(batch, new BulkWriteOptions { IsOrdered = true }, ct);
            }
        }
    }
}
