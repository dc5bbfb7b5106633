using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Where a full backup's oplog copy starts. Noted before the catalog is listed, so that whatever changes the catalog
/// after that moment (a collection or index created while the listing runs) is in the saved oplog. It is just after
/// the newest oplog entry (that entry's write is already in what the listing and the reads see), or, when a
/// transaction is open then, at the first entry of the oldest one, included: a transaction open at the start commits
/// during or after the backup, and its commit refers back to entries written before (a partialTxn chain, or a
/// prepare), which a replay needs. The open transactions are the config.transactions records in state "prepared" or
/// "inProgress", the oldest by startOpTime, as mongodump's getOplogCopyStartTime (mongo-tools,
/// mongodump/oplog_dump.go) finds them. mongodump copies from the newest entry included; this leaves it out, since
/// that write was made before the backup to any namespace of the replica set (often one outside a partial backup's
/// scope, or a rename the catalog guard would refuse as if it happened during the backup).
/// </summary>
public static class OplogCopyStart
{
    /// <summary>Where the copy starts; null when the oplog is empty.</summary>
    public static async Task<OplogPosition?> FindAsync(IMongoClient client, OplogSource oplog, CancellationToken ct)
    {
        var newest = await oplog.NewestAsync(ct);
        if (newest is not { } start) return null;
        var oldestOpen = await OldestOpenTransactionAsync(client, ct);
        return oldestOpen is { } open && open <= start ? OplogPosition.At(open) : OplogPosition.After(start);
    }

    /// <summary>The first oplog entry of the oldest transaction open now, or null when none is.</summary>
    public static async Task<OplogTimestamp?> OldestOpenTransactionAsync(IMongoClient client, CancellationToken ct)
    {
        var transactions = client.GetDatabase("config").GetCollection<BsonDocument>("transactions")
            .WithReadConcern(ReadConcern.Local);
        var filter = new BsonDocument("state", new BsonDocument("$in", new BsonArray { "prepared", "inProgress" }));
        var options = new FindOptions<BsonDocument>
        {
            Sort = new BsonDocument("startOpTime", 1), Limit = 1,
            Projection = new BsonDocument { { "startOpTime", 1 }, { "state", 1 } },
        };
        using var cursor = await transactions.FindAsync(filter, options, ct);
        var record = await cursor.FirstOrDefaultAsync(ct);
        if (record is null) return null;
        if (record.GetValue("startOpTime", BsonNull.Value) is not BsonDocument startOpTime
            || startOpTime.GetValue("ts", BsonNull.Value) is not BsonTimestamp ts)
            throw new MongoBackupException(ErrorIds.BackupFailed,
                $"config.transactions holds an open transaction ({record.GetValue("state", "")}) without a startOpTime.ts timestamp; the oplog copy cannot start before it.");
        return OplogTimestamp.FromBsonTimestamp(ts);
    }
}
