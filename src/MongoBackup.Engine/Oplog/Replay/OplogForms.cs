namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// The oplog forms a replay leaves out because they change nothing a restore brings back. The reference is what
/// mongorestore's current version skips (mongo-tools mongorestore/oplog.go: ignoredOps, ignoredCEntries,
/// shouldIgnoreNamespace) and the command types of MongoDB's src/mongo/db/repl/oplog_entry.idl.
/// </summary>
public static class OplogForms
{
    /// <summary>
    /// Operation types left out: n (no-op: periodic no-ops, messages, retryable-write images); ci, cd, cu (container
    /// inserts, deletes and updates: record-id bookkeeping of replicated record ids); km (key management bookkeeping);
    /// xi, xd (global index keys, MongoDB 7.0's unreleased global indexes: a restore builds indexes from their specs).
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredOperations = new HashSet<string>(StringComparer.Ordinal)
        { "n", "ci", "cd", "cu", "km", "xi", "xd" };

    /// <summary>
    /// Commands left out: startIndexBuild and abortIndexBuild (only commitIndexBuild creates an index);
    /// setMultikeyMetadata and dropIdent (storage bookkeeping; dropIdent is the second phase of a drop whose first
    /// phase is replayed); dbCheck (a consistency check that writes nothing); createDatabaseMetadata,
    /// dropDatabaseMetadata and modifyCollectionShardingIndexCatalog (a sharded cluster's routing metadata);
    /// createGlobalIndex and dropGlobalIndex (the unreleased global indexes above).
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredCommands = new HashSet<string>(StringComparer.Ordinal)
    {
        "startIndexBuild", "abortIndexBuild", "setMultikeyMetadata", "dropIdent", "dbCheck",
        "createDatabaseMetadata", "dropDatabaseMetadata", "modifyCollectionShardingIndexCatalog",
        "createGlobalIndex", "dropGlobalIndex",
    };

    /// <summary>Index drops, under every name MongoDB has logged them with (mongorestore handles all four).</summary>
    public static readonly IReadOnlySet<string> IndexDrops = new HashSet<string>(StringComparer.Ordinal)
        { "dropIndexes", "deleteIndexes", "dropIndex", "deleteIndex" };

    /// <summary>
    /// Databases whose writes are the server's own: local (the oplog itself), config (sessions, transactions, index
    /// builds, a cluster's routing tables; a restore recreates none of them) and MongoDB's internal ones (__mdb_internal*).
    /// </summary>
    public static bool IsServerDatabase(string database) =>
        database is "local" or "config" || database.StartsWith("__mdb_internal", StringComparison.Ordinal);
}
