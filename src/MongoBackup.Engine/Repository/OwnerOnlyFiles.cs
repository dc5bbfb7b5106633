namespace MongoBackup.Engine.Repository;

/// <summary>
/// Creates repository folders and files readable by their owner only on Linux and macOS (a backup holds the whole
/// database); on Windows they inherit the folder's ACL, which is how Windows administrators protect them.
/// </summary>
internal static class OwnerOnlyFiles
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // The mode applies to the folder named only: create each missing level with it.
        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
            missing.Push(dir);
        while (missing.TryPop(out var dir)) Directory.CreateDirectory(dir, FolderMode);
    }

    public static FileStream CreateFile(string path, int bufferSize)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None,
            BufferSize = bufferSize, Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return new FileStream(path, options);
    }
}
