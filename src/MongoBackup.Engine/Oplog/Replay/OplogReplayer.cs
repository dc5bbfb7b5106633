using System.Diagnostics;
using System.Text;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Applies oplog segments to a server in order, as one replay: transactions are gathered until their commit
/// (<see cref="TransactionGatherer"/>), every operation is rewritten for the restore (<see cref="OplogEntryRewriter"/>),
/// CRUD operations go in applyOps batches under the command size limit (<see cref="ApplyOpsBatch"/>), commands alone
/// and in order, since they change what the entries after them mean; a committed transaction's writes go as one
/// transaction of the target's own when it takes them so (<see cref="ITransactionalReplayTarget"/>: a mongos), unless it
/// also holds a command. A form that cannot be replayed, a refused
/// operation or a damaged file stops the replay after everything before it was applied, and the outcome says how far
/// it got. One replayer's state spans all its segments, so a transaction begun in one segment commits in another.
/// Operations go to <paramref name="target"/>, or through applyOps to <paramref name="client"/> when it is null.
/// </summary>
public sealed class OplogReplayer(IMongoClient client, OplogEntryRewriter rewriter, ReplayState state, IEngineObserver observer, IReplayTarget? target = null)
{
    private readonly IReplayTarget _target = target ?? new ReplayTarget(client);
    private readonly ApplyOpsBatch _batch = new();
    private readonly Stopwatch _clock = new();
    private long[] _applied = [];
    private long _read;
    private int _atomic, _asWrites;

    /// <summary>
    /// Replays <paramref name="segments"/> in order. A replay that stops early is not an exception: the outcome carries
    /// the error with what was applied before it. Cancellation throws.
    /// </summary>
    public async Task<OplogReplayOutcome> ReplayAsync(IReadOnlyList<OplogSegment> segments, CancellationToken ct)
    {
        _applied = new long[segments.Count];
        (_read, _atomic, _asWrites) = (0, 0, 0);
        _clock.Restart();
        MongoBackupException? error = null;
        for (var s = 0; s < segments.Count && error is null; s++)
            error = await ReplaySegmentAsync(segments[s], s, ct);
        error ??= await FlushAsync(ct);

        var open = state.Transactions.Open;
        if (open.Count > 0 && error is null)
            observer.Verbose($"{open.Count} transaction(s) begun in the replayed oplog were not committed in it (the first at {open[0].FirstEntry}): none of their writes were applied.");
        var outcome = new OplogReplayOutcome(_read, _applied, open, error) { Transactions = (_atomic, _asWrites) };
        observer.Verbose($"Replayed {outcome.Applied} of {_read} oplog entries in {_clock.Elapsed.TotalSeconds:0.0} s.");
        return outcome;
    }

    private async Task<MongoBackupException?> ReplaySegmentAsync(OplogSegment segment, int index, CancellationToken ct)
    {
        await using var entries = segment.Entries.GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await entries.MoveNextAsync()) return null;
            }
            catch (Exception e) when (e is CorruptDumpException or InvalidDataException or MongoBackupException)
            {
                return await FlushAsync(ct) ?? Unreadable(segment, e);
            }
            var raw = entries.Current;
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (segment.Limit?.IsBeyond(entry) == true) return null;
            if (segment.After is { } after && OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp) <= after) continue;
            _read++;

            Rewritten rewritten;
            int entriesTaken;
            bool committed;
            try
            {
                (rewritten, entriesTaken, committed) = Rewrite(entry, raw);
            }
            catch (MongoBackupException e)
            {
                return await FlushAsync(ct) ?? e;
            }
            foreach (var operation in rewritten.Operations) state.Written.Note(operation);
            if (committed && _target is ITransactionalReplayTarget transactional && rewritten.Operations.Count > 1)
            {
                if (rewritten.Operations.All(o => o["op"] != "c"))
                {
                    if ((await FlushAsync(ct) ?? await transactional.ApplyTransactionAsync(rewritten.Operations, ct)) is { } refusedWhole) return refusedWhole;
                    _applied[index] += entriesTaken;
                    _atomic++;
                    continue;
                }
                _asWrites++;
            }
            var plain = entriesTaken == 1 && rewritten.Operations.Count == 1 && entry["op"] != "c";
            if (await SendAsync(rewritten, entriesTaken, index, plain ? (entry, raw.Length) : null, ct) is { } refused) return refused;
        }
    }

    /// <summary>
    /// What an entry becomes, how many oplog entries applying it completes (a transaction's, at its commit), and whether
    /// it is a committed transaction's writes.
    /// </summary>
    private (Rewritten, int, bool) Rewrite(BsonDocument entry, byte[] raw)
    {
        var step = state.Transactions.Add(entry, raw);
        if (step.Kind == TransactionStepKind.NotTransaction) return (rewriter.Rewrite(entry), 1, false);
        var rewritten = Rewritten.Nothing;
        foreach (var operation in step.Operations) rewritten = rewritten.Then(rewriter.Rewrite(operation));
        return (rewritten, step.Entries, step.Kind == TransactionStepKind.Committed);
    }

    /// <param name="source">
    /// For a CRUD entry sent as itself: the entry and its size, from which the rewritten operation's size is bounded
    /// without serializing it (rewriting only removes fields and renames ns); other operations are measured.
    /// </param>
    private async Task<MongoBackupException?> SendAsync(Rewritten rewritten, int entries, int segment, (BsonDocument Entry, int Bytes)? source, CancellationToken ct)
    {
        if (!rewritten.Counts) return null;
        var operations = rewritten.Operations;
        if (operations.Count == 0) _applied[segment] += entries;
        for (var i = 0; i < operations.Count; i++)
        {
            var completes = i == operations.Count - 1 ? entries : 0;
            if (operations[i]["op"] == "c")
            {
                var failed = await FlushAsync(ct) ?? await _target.ApplyCommandAsync(operations[i], ct);
                if (failed is not null) return failed;
                _applied[segment] += completes;
                continue;
            }
            var bytes = source is { } plain ? SizeBound(plain.Entry, plain.Bytes, operations[i]) : operations[i].ToBson().Length;
            if (!_batch.CanTake(bytes) && await FlushAsync(ct) is { } refused) return refused;
            _batch.Add(new ApplyOpsBatch.Item(operations[i], bytes, completes, segment));
            if (_batch.IsFull && await FlushAsync(ct) is { } full) return full;
        }
        return null;
    }

    /// <summary>
    /// An upper bound of a rewritten CRUD entry's size: the source's size, plus what a longer namespace adds. A view's
    /// definition also has names inside its document, so it is measured.
    /// </summary>
    private static int SizeBound(BsonDocument entry, int entryBytes, BsonDocument operation)
    {
        var ns = operation["ns"].AsString;
        if (ns.EndsWith("." + SystemCollections.Views, StringComparison.Ordinal)) return operation.ToBson().Length;
        return entryBytes + Math.Max(0, Encoding.UTF8.GetByteCount(ns) - Encoding.UTF8.GetByteCount(entry.GetValue("ns", "").AsString));
    }

    private async Task<MongoBackupException?> FlushAsync(CancellationToken ct)
    {
        if (_batch.Count == 0) return null;
        var (applied, error) = await _target.ApplyAsync(_batch.Items, ct);
        foreach (var item in applied) _applied[item.Segment] += item.Completes;
        _batch.Clear();
        observer.Progress(new ProgressUpdate("Replaying oplog", null, _applied.Sum(), 0, null, _clock.Elapsed));
        return error;
    }

    private static MongoBackupException Unreadable(OplogSegment segment, Exception e) => e as MongoBackupException
        ?? new MongoBackupException(ErrorIds.CorruptFile, $"The oplog of {segment.Name} could not be read to its end: {e.Message} The entries before the damage were applied.", e,
            (e as CorruptDumpException)?.File);
}
