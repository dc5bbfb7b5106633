using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// What each cmdlet does today when its connection string points at a mongos (a sharded cluster), and what to do instead:
/// the one place to update as cluster support grows. The engine refuses a mongos where an operation does not take one
/// (<see cref="ErrorIds.ShardedClusterNotSupported"/>, without knowing which cmdlet asked); the cmdlet's error says it
/// with this text.
/// </summary>
public static class ClusterSupport
{
    private static readonly Dictionary<string, string> Refusals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Backup-MongoOplog"] =
            "Backup-MongoOplog does not take a sharded cluster (a mongos) yet: oplog slices of a cluster are not supported. " +
            "Back up the cluster with Backup-MongoDatabase through the mongos, which saves every shard's oplog up to one cluster time.",
        ["Invoke-MongoBackupPolicy"] =
            "Invoke-MongoBackupPolicy does not take a sharded cluster (a mongos) yet: the oplog slices it takes between full backups are not " +
            "supported for a cluster. Schedule Backup-MongoDatabase through the mongos (with -StopBalancer) and Invoke-MongoSnapshotRetention instead.",
        ["Restore-MongoDatabase"] =
            "Restore-MongoDatabase does not restore into a sharded cluster (a mongos) yet. Restore into a replica set or a standalone server " +
            "(a cluster snapshot restores there, unsharded); Export-MongoSnapshot writes a replica-set snapshot as a stock dump that mongorestore " +
            "loads through a mongos.",
        ["Restore-MongoPointInTime"] =
            "Restore-MongoPointInTime does not restore into a sharded cluster (a mongos), nor replay a cluster's oplog to a moment, yet. Restore " +
            "into a replica set or a standalone server.",
        ["Test-MongoSnapshot"] =
            "Test-MongoSnapshot -ConnectionString restores into scratch databases, which it does not do through a mongos yet: give it a replica set " +
            "or a standalone server (a throwaway one will do), or test the files alone without -ConnectionString.",
    };

    /// <summary>
    /// <paramref name="error"/> as <paramref name="cmdlet"/> reports it: a ShardedClusterNotSupported refusal with the
    /// cmdlet's own text (the engine's error kept inside); any other error unchanged.
    /// </summary>
    public static MongoBackupException ForCommand(string cmdlet, MongoBackupException error) =>
        error.ErrorId == ErrorIds.ShardedClusterNotSupported && Refusals.TryGetValue(cmdlet, out var text)
            ? new MongoBackupException(error.ErrorId, text, error, error.Target)
            : error;
}
