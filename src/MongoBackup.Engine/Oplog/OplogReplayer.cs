using System.Diagnostics;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Applies oplog entries to a server through applyOps, in batches cut by count and bytes (no round trip per
/// entry). CRUD entries are applied idempotently (an insert of an existing _id becomes an upsert), so a replay
/// over data that already holds some of the writes, as a hot backup's does, converges to the same state.
/// Commands are applied alone, in order, because they change what the entries after them mean.
/// </summary>
public sealed class OplogReplayer(IMongoClient client, OplogEntryRewriter rewriter, IEngineObserver observer)
{
    private const int MaxBatchEntries = 1000;
    private const int MaxBatchBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Applies the entries after <paramref name="after"/> (all when null) up to and including <paramref name="limit"/>
    /// (all when null); returns how many were applied.
    /// </summary>
    public async Task<long> ReplayAsync(IAsyncEnumerable<byte[]> entries, OplogTimestamp? after, OplogLimit? limit, CancellationToken ct)
    {
        var admin = client.GetDatabase("admin");
        var batch = new BsonArray();
        var batchBytes = 0;
        long applied = 0, seen = 0;
        var clock = Stopwatch.StartNew();

        await foreach (var raw in entries.WithCancellation(ct))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (limit is not null && limit.IsBeyond(entry)) break;
            if (after is { } start && OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp) <= start) continue;
            seen++;
            var rewritten = rewriter.Rewrite(entry);
            if (rewritten is null) continue;

            if (IsCommand(rewritten))
            {
                applied += await FlushAsync(admin, batch, ct);
                batchBytes = 0;
                await ApplyCommandAsync(admin, rewritten, ct);
                applied++;
                continue;
            }
            batch.Add(rewritten);
            batchBytes += raw.Length;
            if (batch.Count >= MaxBatchEntries || batchBytes >= MaxBatchBytes)
            {
                applied += await FlushAsync(admin, batch, ct);
                batchBytes = 0;
                observer.Progress(new ProgressUpdate("Replaying oplog", null, applied, 0, null, clock.Elapsed));
            }
        }
        applied += await FlushAsync(admin, batch, ct);
        observer.Verbose($"Replayed {applied} of {seen} oplog entries in {clock.Elapsed.TotalSeconds:0.0} s.");
        return applied;
    }

    private static bool IsCommand(BsonDocument entry) => entry["op"].AsString == "c";

    private static async Task<long> FlushAsync(IMongoDatabase admin, BsonArray batch, CancellationToken ct)
    {
        if (batch.Count == 0) return 0;
        var count = batch.Count;
        await RunApplyOpsAsync(admin, new BsonArray(batch), ct);
        batch.Clear();
        return count;
    }

    private static async Task ApplyCommandAsync(IMongoDatabase admin, BsonDocument entry, CancellationToken ct)
    {
        var o = entry["o"].AsBsonDocument;
        if (o.GetElement(0).Name is "commitIndexBuild" or "createIndexes")
        {
            // applyOps refuses index builds (MongoDB 5.0+: "The createIndexes operation is not supported in applyOps mode",
            // likewise commitIndexBuild): build the indexes directly, as mongorestore does.
            var db = entry["ns"].AsString.Split('.', 2)[0];
            var command = o.GetElement(0).Name == "commitIndexBuild"
                ? new BsonDocument { { "createIndexes", o["commitIndexBuild"] }, { "indexes", o["indexes"] } }
                : new BsonDocument { { "createIndexes", o["createIndexes"] }, { "indexes", new BsonArray { new BsonDocument(o.Skip(1)) } } };
            await admin.Client.GetDatabase(db).RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
            return;
        }
        try
        {
            await admin.RunCommandAsync<BsonDocument>(ApplyOps(new BsonArray { entry }), cancellationToken: ct);
        }
        catch (MongoCommandException e) when (e.Code == 26)
        {
            // A command on a collection the target does not have (left out of the restore, or never created in
            // it): there is nothing for it to change, as mongorestore treats it.
        }
        catch (MongoCommandException e)
        {
            throw ReplayFailed(new BsonArray { entry }, e);
        }
    }

    private static async Task RunApplyOpsAsync(IMongoDatabase admin, BsonArray ops, CancellationToken ct)
    {
        try
        {
            await admin.RunCommandAsync<BsonDocument>(ApplyOps(ops), cancellationToken: ct);
        }
        catch (MongoCommandException e)
        {
            throw ReplayFailed(ops, e);
        }
    }

    /// <summary>
    /// The applyOps command for a batch. The documents were valid when the source wrote them (or were written bypassing
    /// validation), so they are applied without the target's validator judging them again: applyOps validates unless told not to.
    /// </summary>
    private static BsonDocument ApplyOps(BsonArray ops) => new() { { "applyOps", ops }, { "bypassDocumentValidation", true } };

    private static MongoBackupException ReplayFailed(BsonArray ops, MongoCommandException e)
    {
        var first = ops[0].AsBsonDocument;
        return new MongoBackupException(ErrorIds.OplogReplayFailed,
            $"Replaying the oplog failed at {first.GetValue("ts", BsonNull.Value)} ({first.GetValue("op", "")} on {first.GetValue("ns", "")}): {e.ErrorMessage}", e);
    }
}
