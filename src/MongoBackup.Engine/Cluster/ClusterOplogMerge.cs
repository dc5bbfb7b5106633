using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The shards' saved oplogs as one, in timestamp order (a tie goes to the shard listed first), for one replay into a
/// replica set: a chunk migration's copies are left out (entries with fromMigrate: true, written by the donor's and
/// recipient's sides of a moveChunk and by range deletion, src/mongo/db/s/migration_destination_manager.cpp and
/// range_deletion_util.cpp: the documents they move are in one shard's data already), and cross-shard transactions
/// come out whole or not at all (<see cref="CrossShardTransactions"/>). Memory: one entry per shard, plus the entries
/// of transactions waiting for their commits.
/// </summary>
internal static class ClusterOplogMerge
{
    public static async IAsyncEnumerable<byte[]> MergeAsync(IReadOnlyList<IAsyncEnumerable<byte[]>> shards, [EnumeratorCancellation] CancellationToken ct)
    {
        var readers = shards.Select(s => s.GetAsyncEnumerator(ct)).ToList();
        var heads = new (BsonTimestamp Ts, BsonDocument Entry, byte[] Raw)?[readers.Count];
        var transactions = new CrossShardTransactions();
        try
        {
            for (var i = 0; i < readers.Count; i++) heads[i] = await NextAsync(readers[i]);
            while (true)
            {
                var next = -1;
                for (var i = 0; i < heads.Length; i++)
                    if (heads[i] is { } head && (next < 0 || head.Ts.CompareTo(heads[next]!.Value.Ts) < 0)) next = i;
                if (next < 0) yield break;
                var (_, entry, raw) = heads[next]!.Value;
                heads[next] = await NextAsync(readers[next]);
                if (entry.GetValue("fromMigrate", false).ToBoolean()) continue;
                foreach (var output in transactions.Take(next, entry, raw)) yield return output;
            }
        }
        finally
        {
            foreach (var reader in readers) await reader.DisposeAsync();
        }
    }

    private static async Task<(BsonTimestamp, BsonDocument, byte[])?> NextAsync(IAsyncEnumerator<byte[]> reader)
    {
        if (!await reader.MoveNextAsync()) return null;
        var entry = BsonSerializer.Deserialize<BsonDocument>(reader.Current);
        return (entry["ts"].AsBsonTimestamp, entry, reader.Current);
    }
}
