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
        ["Test-MongoSnapshot"] =
            "Test-MongoSnapshot -ConnectionString restores into scratch databases, which it does not do through a mongos yet: give it a replica set " +
            "or a standalone server (a throwaway one will do), or test the files alone without -ConnectionString.",
    };

    /// <summary>
    /// <paramref name="error"/> as <paramref name="cmdlet"/> reports it: the engine's refusal of a mongos as such
    /// (<see cref="Engine.Connection.ServerTopology.MongosRefused"/>) with the cmdlet's own text (the engine's error kept
    /// inside); any other error, including a refusal of one namespace, unchanged.
    /// </summary>
    public static MongoBackupException ForCommand(string cmdlet, MongoBackupException error) =>
        error.ErrorId == ErrorIds.ShardedClusterNotSupported && error.Target == Engine.Connection.ServerTopology.MongosTarget
            && Refusals.TryGetValue(cmdlet, out var text)
            ? new MongoBackupException(error.ErrorId, text, error, error.Target)
            : error;
}
