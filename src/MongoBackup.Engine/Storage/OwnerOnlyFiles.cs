namespace MongoBackup.Engine.Storage;

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

    public static FileStream CreateFile(string path, int bufferSize) => Create(path, System.IO.FileMode.Create, bufferSize);

    /// <summary>Creates the file only if it does not exist yet (an IOException otherwise).</summary>
    public static FileStream CreateNewFile(string path) => Create(path, System.IO.FileMode.CreateNew, 4096);

    private static FileStream Create(string path, System.IO.FileMode mode, int bufferSize) => new(path, WriteOptions(mode, bufferSize));

    /// <summary>How a new file is opened: written alone, asynchronously, readable by its owner only (outside Windows).</summary>
    public static FileStreamOptions WriteOptions(System.IO.FileMode mode, int bufferSize)
    {
        var options = new FileStreamOptions
        {
            Mode = mode, Access = FileAccess.Write, Share = FileShare.None,
            BufferSize = bufferSize, Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return options;
    }
}
