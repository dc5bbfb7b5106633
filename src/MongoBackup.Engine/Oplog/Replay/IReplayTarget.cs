using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Where a replay sends its rewritten operations (oplog-form entries: i, u and d in batches, commands one at a time):
/// a mongod through applyOps (<see cref="ReplayTarget"/>), or a mongos, which has no applyOps, through ordinary
/// commands (Cluster.MongosReplayTarget).
/// </summary>
public interface IReplayTarget
{
    /// <summary>Applies CRUD operations in order; returns those applied and the error of the first refused one (null when all were).</summary>
    Task<(IReadOnlyList<ApplyOpsBatch.Item> Applied, MongoBackupException? Error)> ApplyAsync(IReadOnlyList<ApplyOpsBatch.Item> items, CancellationToken ct);

    /// <summary>Applies one command entry; returns the error when the target refused it.</summary>
    Task<MongoBackupException?> ApplyCommandAsync(BsonDocument entry, CancellationToken ct);
}

/// <summary>
/// A target that can apply one committed transaction's writes as a transaction of its own, all or none (a mongos,
/// which has no applyOps to take them in one command).
/// </summary>
public interface ITransactionalReplayTarget : IReplayTarget
{
    /// <summary>
    /// Applies a transaction's CRUD operations (oplog form, in order) in one transaction on the target; returns the error
    /// when the target refused it, and then none of them is applied.
    /// </summary>
    Task<MongoBackupException?> ApplyTransactionAsync(IReadOnlyList<BsonDocument> operations, CancellationToken ct);
}
