namespace MongoBackup.Engine.Model;

/// <summary>
/// The collections the module itself keeps in a user's databases: its bookkeeping, never user data. A backup leaves
/// them out (as it leaves out MongoDB's own system collections), a replay never writes them, and a restore of a source
/// that holds one (a snapshot taken before they were left out, a mongodump of such a database) skips it.
/// </summary>
public static class ModuleCollections
{
    /// <summary>
    /// The records a restore keeps in each target database while it runs, and after it when it did not end whole (for
    /// -Resume): see Restore/RestoreRecords.
    /// </summary>
    public const string RestoreRecords = "mongobackup.restoreInProgress";

    /// <summary>Whether <paramref name="collection"/> (a collection name, without its database) is one of the module's own.</summary>
    public static bool IsModuleOwned(string collection) => collection == RestoreRecords;
}
