using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The shards' saved oplogs as one, in timestamp order (a tie goes to the shard listed first), for one replay into a
/// replica set: a chunk migration's copies are left out (entries with fromMigrate: true, written by the donor's and
/// recipient's sides of a moveChunk and by range deletion, src/mongo/db/s/migration_destination_manager.cpp and
/// range_deletion_util.cpp: the documents they move are in one shard's data already), and so are writes to a shard's own
/// admin, config and local databases (<see cref="OfShardsOwnDatabase"/>), and cross-shard transactions
/// come out whole or not at all (<see cref="CrossShardTransactions"/>), in the place of their commitTimestamp: what is
/// read after a prepare that may come after the transaction's commitTimestamp is held until the transaction is given out
/// (or dropped) and then given after it, so a replay that stops at the first entry past a moment still applies a
/// transaction committed at or before that moment whose commit entries were written after it. Memory: one entry per
/// shard, plus the entries of transactions waiting for their commits and what was read while one was prepared (a
/// two-phase commit's round trips; what follows a transaction never decided in what was read is held to the end).
/// </summary>
internal static class ClusterOplogMerge
{
    public static async IAsyncEnumerable<byte[]> MergeAsync(IReadOnlyList<IAsyncEnumerable<byte[]>> shards, [EnumeratorCancellation] CancellationToken ct)
    {
        var readers = shards.Select(s => s.GetAsyncEnumerator(ct)).ToList();
        var heads = new (BsonTimestamp Ts, BsonDocument Entry, byte[] Raw)?[readers.Count];
        var transactions = new CrossShardTransactions();
        var held = new PriorityQueue<byte[], (OplogTimestamp At, long Order)>();
        long order = 0;
        try
        {
            for (var i = 0; i < readers.Count; i++) heads[i] = await NextAsync(readers[i]);
            while (true)
            {
                var next = -1;
                for (var i = 0; i < heads.Length; i++)
                    if (heads[i] is { } head && (next < 0 || head.Ts.CompareTo(heads[next]!.Value.Ts) < 0)) next = i;
                if (next < 0) break;
                var (ts, entry, raw) = heads[next]!.Value;
                heads[next] = await NextAsync(readers[next]);
                if (IsMigrationCopy(entry) || OfShardsOwnDatabase(entry)) continue;
                var at = OplogTimestamp.FromBsonTimestamp(ts);
                // A whole cross-shard transaction takes the place of its commitTimestamp; anything else the place it was read at.
                foreach (var output in transactions.Take(next, entry, raw)) held.Enqueue(output.Raw, (output.CommittedAt ?? at, order++));
                var floor = transactions.Floor;
                while (held.TryPeek(out var ready, out var key) && (floor is null || key.At < floor))
                {
                    held.Dequeue();
                    yield return ready;
                }
            }
            // What was held for a transaction never decided in what was read (it is left out) goes out in its order.
            while (held.TryDequeue(out var rest, out _)) yield return rest;
        }
        finally
        {
            foreach (var reader in readers) await reader.DisposeAsync();
        }
    }

    /// <summary>
    /// A chunk migration's entry (fromMigrate: true), except the inserts of a convertToCapped into its temporary copy,
    /// which MongoDB also logs with fromMigrate: true (src/mongo/db/catalog/capped_utils.cpp, cloneCollectionAsCapped)
    /// though they are the only copy of the converted collection's documents the oplog holds.
    /// </summary>
    private static bool IsMigrationCopy(BsonDocument entry) =>
        entry.GetValue("fromMigrate", false).ToBoolean()
        && !(entry.GetValue("ns", BsonNull.Value) is BsonString { Value: var ns } && ns.IndexOf('.') is > 0 and var dot
             && Oplog.Replay.SystemCollections.ConvertToCappedSource(ns[(dot + 1)..]) is not null);

    /// <summary>
    /// Whether <paramref name="entry"/> is a write to a shard's own admin, config or local database (not the cluster's:
    /// a cluster's admin and config live on its config servers, <see cref="ShardCopy"/>): its data is not in the snapshot,
    /// so its writes are not replayed, or they would land in the cluster's admin or config. A transaction's entries
    /// (applyOps, commitTransaction, abortTransaction, logged under admin.$cmd) are the shard's user writes, and stay.
    /// </summary>
    internal static bool OfShardsOwnDatabase(BsonDocument entry)
    {
        var ns = entry.GetValue("ns", "") is BsonString s ? s.Value : "";
        var dot = ns.IndexOf('.');
        if (dot <= 0 || !ShardCopy.IsInternal(ns[..dot])) return false;
        if (entry.GetValue("op", "").ToString() != "c") return true;
        var command = entry.GetValue("o", BsonNull.Value) is BsonDocument { ElementCount: > 0 } o ? o.GetElement(0).Name : "";
        return command is not ("applyOps" or "commitTransaction" or "abortTransaction");
    }

    private static async Task<(BsonTimestamp, BsonDocument, byte[])?> NextAsync(IAsyncEnumerator<byte[]> reader)
    {
        if (!await reader.MoveNextAsync()) return null;
        var entry = BsonSerializer.Deserialize<BsonDocument>(reader.Current);
        return (entry["ts"].AsBsonTimestamp, entry, reader.Current);
    }
}
