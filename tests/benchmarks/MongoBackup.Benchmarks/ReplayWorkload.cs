using System.Diagnostics;
using System.IO.Compression;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>
/// The oplog both replays apply, prepared once and outside every timing. A collection of 1,000 documents is backed
/// up in full (our snapshot, gzip) and, when the stock tools are there, dumped by mongodump --gzip; then written
/// to through the driver (half inserts, a third $set updates, the rest deletes: --oplog-entries operations), and
/// an oplog slice (gzip) saves every entry after the snapshot's consistency point. The same entries, read back
/// from the slice, are written gzip-compressed as oplog.bson at the root of the stock dump's folder, as mongodump
/// --oplog --gzip names and writes it (mongodump/prepare.go names it oplog.bson with or without --gzip, and
/// mongorestore/filepath.go looks for that name only, reading it through gzip when --gzip is given), where
/// mongorestore --oplogReplay finds them: both sides restore the same base and replay byte-identical entries, with no second capture
/// (a mongodump --oplog taken during the writes would hold a different span). The written collection's digest
/// is what every replay must reproduce.
/// </summary>
public sealed class ReplayWorkload
{
    public const string SourceDatabase = "replaysrc", CollectionName = "events";
    private const int BaseDocuments = 1000, BatchSize = 1000;

    public required FolderRepository Repository { get; init; }
    public required SnapshotManifest Slice { get; init; }
    public required long OperationsWritten { get; init; }
    public required CollectionDigest Expected { get; init; }
    /// <summary>The stock dump folder (base collection and oplog.bson); null without the stock tools.</summary>
    public string? StockDump { get; init; }
    /// <summary>Entries in the stock dump's oplog.bson and their uncompressed BSON bytes; 0 without the stock tools.</summary>
    public long StockEntries { get; init; }
    public long StockEntryBytes { get; init; }

    public OplogTimestamp End => Slice.OplogEnd!.Value;
    public long SliceStoredBytes => Slice.Files.Sum(f => f.Size);

    public static async Task<ReplayWorkload> PrepareAsync(BenchContext context, ComparisonContext? stock, CancellationToken ct)
    {
        var repository = new FolderRepository(Path.Combine(context.ScratchDirectory, "replay"));
        var source = context.Client.GetDatabase(SourceDatabase).GetCollection<BsonDocument>(CollectionName);
        var documents = new OrderDocuments(context.Options.DocumentSize);
        var random = new Random(42);
        await source.InsertManyAsync(Enumerable.Range(0, BaseDocuments).Select(i => documents.New(i, random)), cancellationToken: ct);

        var observer = new CollectingObserver();
        await new BackupRunner(observer).RunAsync(new BackupRequest
        {
            Connection = context.Connection, Repository = repository, Compression = Compression.Gzip,
            Filter = new NamespaceFilter(databases: [SourceDatabase]),
        }, ct);
        string? dump = null;
        if (stock is not null)
        {
            dump = Path.Combine(context.ScratchDirectory, "replay-stock-dump");
            await stock.RunStockAsync("mongodump", ["--db", SourceDatabase, "--gzip", "--out", dump], ct);
        }
        var written = await WriteAsync(source, documents, random, context.Options.OplogEntries, ct);
        var slice = await new OplogSliceRunner(observer).RunAsync(new OplogSliceRequest
        {
            Connection = context.Connection, Repository = repository, Compression = Compression.Gzip,
        }, ct) ?? throw new InvalidOperationException("The oplog slice after the writes came out empty.");
        observer.ThrowIfAnyFailed("Preparing the replay");

        var (entries, bytes) = dump is null ? (0L, 0L) : await ExportAsync(repository, slice, Path.Combine(dump, "oplog.bson"), ct);
        var expected = await CollectionDigest.ComputeAsync(
            context.Client.GetDatabase(SourceDatabase).GetCollection<RawBsonDocument>(CollectionName), ct);
        return new ReplayWorkload
        {
            Repository = repository, Slice = slice, OperationsWritten = written, Expected = expected,
            StockDump = dump, StockEntries = entries, StockEntryBytes = bytes,
        };
    }

    /// <summary>The digest of <paramref name="database"/>'s copy of the collection, checked against the source's after the writes.</summary>
    public async Task CheckAsync(IMongoClient client, string database, string after, CancellationToken ct)
    {
        var actual = await CollectionDigest.ComputeAsync(client.GetDatabase(database).GetCollection<RawBsonDocument>(CollectionName), ct);
        if (actual != Expected)
            throw new InvalidOperationException(
                $"After {after}, {database}.{CollectionName} holds {actual.Documents:N0} documents (SHA-256 {actual.Sha256[..12]}); the source held {Expected.Documents:N0} ({Expected.Sha256[..12]}).");
    }

    /// <summary>Writes the slice's entries, byte for byte, as gzip-compressed BSON (mongodump's oplog.bson with --gzip, at gzip's default level as Go's gzip.NewWriter).</summary>
    private static async Task<(long Entries, long Bytes)> ExportAsync(FolderRepository repository, SnapshotManifest slice, string path, CancellationToken ct)
    {
        long entries = 0, bytes = 0;
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            await foreach (var entry in SliceEntries.ReadAsync(repository, [slice], null, ct))
            {
                await gzip.WriteAsync(entry, ct);
                entries++;
                bytes += entry.Length;
            }
        }
        if (entries != slice.OplogEntries)
            throw new InvalidOperationException($"The slice lists {slice.OplogEntries:N0} oplog entries but {entries:N0} were read back from it.");
        return (entries, bytes);
    }

    /// <summary>The writes the slice will hold: inserts, then $set updates of live documents, then deletes. Returns how many.</summary>
    private static async Task<long> WriteAsync(IMongoCollection<BsonDocument> source, OrderDocuments documents, Random random, int total, CancellationToken ct)
    {
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
