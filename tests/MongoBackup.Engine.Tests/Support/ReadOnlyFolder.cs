using MongoBackup.Engine.Storage;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// A repository folder made read-only for a test, by the system when it can: every folder and file loses its write bits
/// (chmod a-w); root, whom permissions do not stop, makes them immutable instead (chattr +i, as on immutable media).
/// Where neither holds, or when <c>simulated</c> is asked, the repository is opened on simulated read-only media
/// (every write fails with EROFS, see Storage/FolderWriteGate): the test runs either way, never skipped, and says which
/// (<see cref="How"/>). <see cref="Tree"/> records what is there (names, sizes, modification times), so a test shows
/// nothing was written. Disposing makes the folder writable again.
/// </summary>
public sealed class ReadOnlyFolder : IDisposable
{
    private const UnixFileMode Writable = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private readonly string _path;
    private readonly bool _immutable;

    public ReadOnlyFolder(string path, bool simulated)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Read-only folders are made with Unix modes.");
        _path = Path.GetFullPath(path);
        if (simulated)
        {
            How = "simulated read-only media";
            return;
        }
        foreach (var entry in Entries()) File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) & ~Writable);
        if (!CanWrite())
        {
            (SystemRefusesWrites, How) = (true, "chmod a-w");
            return;
        }
        _immutable = Chattr("+i");
        (SystemRefusesWrites, How) = _immutable && !CanWrite()
            ? (true, "chattr +i (running as root, which chmod does not stop)")
            : (false, "simulated read-only media (running as root, which chmod does not stop, and chattr +i failed)");
    }

    /// <summary>Whether the system itself refuses writes here; otherwise the repository is opened on simulated read-only media.</summary>
    public bool SystemRefusesWrites { get; }

    /// <summary>How the folder is read-only, for the test's output.</summary>
    public string How { get; }

    public FolderRepository Open(RepositoryAccess access) => SystemRefusesWrites
        ? new FolderRepository(_path, access)
        : new FolderRepository(_path, access, StableStorage.System, onReadOnlyMedia: true);

    /// <summary>Every folder and file below the folder (and itself): path, size, last write time.</summary>
    public IReadOnlyList<string> Tree() => Entries()
        .Select(e => $"{Path.GetRelativePath(_path, e)} {(File.Exists(e) ? new FileInfo(e).Length : -1)} {File.GetLastWriteTimeUtc(e).Ticks}")
        .Order(StringComparer.Ordinal).ToList();

    public void Dispose()
    {
        if (_immutable) Chattr("-i");
        foreach (var entry in Entries()) File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.UserWrite);
    }

    private IEnumerable<string> Entries() => Directory.EnumerateFileSystemEntries(_path, "*", SearchOption.AllDirectories).Prepend(_path).ToList();

    private bool CanWrite() => FileSystemRefusals.CanCreateIn(_path);

    private bool Chattr(string change) => FileSystemRefusals.Chattr("-R", change, _path);
}
