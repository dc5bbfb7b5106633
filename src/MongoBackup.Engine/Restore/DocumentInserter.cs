using System.Diagnostics;
using System.Threading.Channels;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Inserts a namespace's raw documents with unordered inserts cut by bytes, through a few parallel workers.
/// The bytes go to the server as they were dumped, copied once from the blocks the reader filled into an insert
/// command (<see cref="RawInsertCommand"/>: no object per document, no deserialize/serialize round trip); documents the
/// server refuses (duplicate keys) are counted as failures and the rest still go in, as mongorestore does.
/// </summary>
/// <param name="resume">
/// Finishing an interrupted restore: a document refused because its _id is already there (duplicate key, code 11000;
/// only the _id index exists while data is restored) counts as restored if the target's is byte for byte the same
/// (<see cref="ResumedTargetCheck"/>); otherwise the namespace fails (TargetNotEmpty).
/// </param>
public sealed class DocumentInserter(IMongoClient client, IEngineObserver observer, int workers, int batchBytes, bool resume = false)
{
    /// <summary>A batch takes whole blocks up to this many documents (or <c>batchBytes</c>, see <see cref="Fits"/>); a block alone may hold more.</summary>
    private const int MaxDocumentsPerBatch = 10_000;


    /// <summary>
    /// Inserts every document of <paramref name="blocks"/> into <paramref name="ns"/>'s data collection, disposing each block,
    /// and sets <paramref name="result"/>'s Documents (inserted, or already there on resume) and Failures (refused). Reports
    /// "Restoring" progress per batch, in documents and raw BSON bytes.
    /// </summary>
    /// <exception cref="CorruptDumpException">The file fails while it is read: raised after the batches before it are in,
    /// with <paramref name="result"/> counting them.</exception>
    public async Task InsertAsync(PlannedNamespace ns, IAsyncEnumerable<DocumentBlock> blocks, NamespaceRestoreResult result, CancellationToken ct)
    {
        var target = client.GetDatabase(ns.TargetDatabase);
        // One batch waits for a free worker while the next is read: more would only hold more memory, since a worker
        // takes the next batch as soon as its own commands are answered.
        var batches = Channel.CreateBounded<InsertBatch>(new BoundedChannelOptions(1) { SingleWriter = true });
        // A failing worker stops the reader too, so it never waits on a channel nobody drains.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        long inserted = 0, failed = 0, bytes = 0;
        string? firstRefusal = null;

        var consumers = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(async () =>
        {
            try
            {
                using var sender = await InsertCommandSender.StartAsync(client, target, stop.Token);
                await foreach (var batch in batches.Reader.ReadAllAsync(stop.Token))
                {
                    long ok, refused;
                    string? first;
                    using (batch)
                    {
                        // ReadAllAsync yields what is buffered without looking at the token: no new batch once stopped.
                        stop.Token.ThrowIfCancellationRequested();
                        (ok, refused, first) = await InsertBatchAsync(sender, batch, ns);
                    }
                    if (first is not null) Interlocked.CompareExchange(ref firstRefusal, first, null);
                    var done = Interlocked.Add(ref inserted, ok);
                    Interlocked.Add(ref failed, refused);
                    observer.Progress(new ProgressUpdate("Restoring", ns.TargetNamespace, done, Interlocked.Read(ref bytes), null, clock.Elapsed));
                }
            }
            catch
            {
                stop.Cancel();
                throw;
            }
        }, stop.Token)).ToList();

        Exception? readFailure = null;
        try
        {
            await ProduceBatchesAsync(blocks, batches.Writer, b => Interlocked.Add(ref bytes, b), stop.Token);
        }
        catch (Exception e)
        {
            readFailure = e;
        }
        batches.Writer.TryComplete();
        try
        {
            await Task.WhenAll(consumers);
        }
        finally
        {
            while (batches.Reader.TryRead(out var left)) left.Dispose(); // workers that stopped early left these

            result.Documents = inserted;
            result.Failures = failed;
            result.FirstRefusal = firstRefusal;
        }
        if (readFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readFailure);
        observer.Progress(new ProgressUpdate("Restoring", ns.TargetNamespace, inserted, bytes, inserted, clock.Elapsed, Completed: true));
    }

    private async Task ProduceBatchesAsync(
        IAsyncEnumerable<DocumentBlock> blocks, ChannelWriter<InsertBatch> batches, Action<long> countBytes, CancellationToken ct)
    {
        var batch = new InsertBatch();
        try
        {
            await foreach (var block in blocks.WithCancellation(ct))
            {
                countBytes(block.Length);
                if (batch.Count > 0 && !Fits(batch, block))
                {
                    await batches.WriteAsync(batch, ct);
                    batch = new InsertBatch();
                }
                batch.Add(block);
                // Sent as soon as another block like this one would not fit: it never waits on the next read (which may
                // be slow, or fail on damage after it).
                if (!Fits(batch, block))
                {
                    await batches.WriteAsync(batch, ct);
                    batch = new InsertBatch();
                }
            }
            if (batch.Count > 0) await batches.WriteAsync(batch, ct);
            else batch.Dispose();
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="block"/> joins <paramref name="batch"/>: the command they make stays within the batch
    /// bytes with its header and index names (so it fills a pooled buffer of that size, not one twice as large) and
    /// within <see cref="MaxDocumentsPerBatch"/>. A block alone may hold more; it is then a batch of its own.
    /// </summary>
    private bool Fits(InsertBatch batch, DocumentBlock block)
    {
        var documents = batch.Count + block.Count;
        return documents <= MaxDocumentsPerBatch &&
            batch.Bytes + block.Length + (long)documents * RawInsertCommand.PerDocumentOverhead + RawInsertCommand.HeaderAllowance <= batchBytes;
    }

    /// <summary>
    /// Inserts one batch and waits for the server's answer even when the restore is being stopped: a batch cancelled
    /// in flight may still be applied, and then the count (what an interrupted restore reports) would be short of what
    /// the target holds. One batch is at most <see cref="MaxDocumentsPerBatch"/> documents or the batch bytes, so a stop
    /// waits for little.
    /// </summary>
    private async Task<(long Inserted, long Refused, string? FirstRefusal)> InsertBatchAsync(InsertCommandSender sender, InsertBatch batch, PlannedNamespace ns)
    {
        var refusals = new BatchRefusals(resume);
        var count = batch.Count;
        var insert = sender.Prepare(ns.DataCollection, batch.RawDocuments());
        // The commands hold the documents now: the blocks go back to the pool before the round trips.
        batch.Dispose();
        await sender.SendAsync(ns.DataCollection, insert, refusals, ns);
        foreach (var warning in refusals.Warnings(ns)) observer.Warning(warning);
        if (refusals.Kept.Count > 0)
            await ResumedTargetCheck.RequireSameDocumentsAsync(client.GetDatabase(ns.TargetDatabase), ns, insert.Documents, refusals.Kept, CancellationToken.None);
        // Only after success are the buffers reused: a failure's exception still names its command, left to the GC.
        insert.Dispose();
        return (count - refusals.Refused, refusals.Refused, refusals.First);
    }
}
