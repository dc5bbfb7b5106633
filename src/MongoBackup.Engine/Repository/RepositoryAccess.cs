namespace MongoBackup.Engine.Repository;

/// <summary>What a command does with a repository it opens, so that one which only reads never writes on opening.</summary>
public enum RepositoryAccess
{
    /// <summary>
    /// Only reads (list, verify, restore, export, copy from): opening writes nothing and creates nothing, so a folder on
    /// read-only or immutable media can be read. A read lease is still taken where the repository admits the write.
    /// </summary>
    Read,

    /// <summary>
    /// Writes (backups, slices, settings, removals, copies into): a folder is created when missing and proven writable
    /// on opening, failing with RepositoryNotWritable naming it before anything else is done.
    /// </summary>
    Write,
}
