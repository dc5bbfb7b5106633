using MongoBackup.Engine;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>Opens a repository folder that must already exist: reading a mistyped path must not create a repository there.</summary>
public static class RepositoryFolder
{
    public static FolderRepository OpenExisting(string path)
    {
        if (!Directory.Exists(path))
            throw new MongoBackupException(ErrorIds.SourceNotFound, $"The repository folder '{path}' does not exist.", target: path);
        try { return new FolderRepository(path); }
        catch (IOException e) { throw new MongoBackupException(ErrorIds.RepositoryNotWritable, e.Message, e, path); }
    }
}
