using System.Security.Cryptography;
using System.Text;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Blobs as files below a local (or mounted) folder: the name "a/b/c" is the file ROOT/a/b/c. Conditional creates
/// write a temporary file, flush it, and rename it without replacing (which .NET does with link(2) on Unix and
/// MoveFileEx without MOVEFILE_REPLACE_EXISTING on Windows, both refusing an existing target atomically); conditional
/// replaces do the same under an exclusive lock (<see cref="FolderBlobLock"/>). An ETag is the SHA-256 of the content.
/// A streamed file is flushed as it closes; the folders naming it are flushed before the next conditional or whole
/// write (see <see cref="PendingFolderFlushes"/>), so whatever vouches for earlier writes reaches the disk after them.
/// </summary>
/// <param name="root">The store's folder.</param>
/// <param name="writable">False opens it read-only: every write fails with RepositoryNotWritable.</param>
/// <param name="storage">How writes reach stable storage (tests record the order of flushes).</param>
/// <param name="onReadOnlyMedia">Test seam: every write fails as on read-only media (see <see cref="FolderWriteGate"/>).</param>
internal sealed class FolderBlobStore(string root, bool writable, StableStorage storage, bool onReadOnlyMedia = false) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(root);
    private readonly FolderWriteGate _gate = new(Path.GetFullPath(root), storage, onReadOnlyMedia);
    private readonly PendingFolderFlushes _pending = new(Path.GetFullPath(root), storage);

    public string Location => _root;

    public bool IsWritable => writable;

    /// <summary>Creates the folder when missing and proves it takes a file (for a command about to write).</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable, naming the folder and the system's reason.</exception>
    public void PrepareForWriting() => _gate.Prepare();

    public Task<Stream> OpenWriteAsync(string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = WritablePath(name);
        var folder = Path.GetDirectoryName(path)!;
        OwnerOnlyFiles.CreateDirectory(folder);
        _pending.Add(folder);
        return Task.FromResult<Stream>(new DurableFile(path, storage));
    }

    public Task<Stream> OpenReadAsync(string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = PathOf(name);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{_root}' has no blob '{name}'.", path);
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // Enumerate from the deepest folder the prefix names, and below it only the folders the prefix's last part can start.
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : PathOf(prefix[..slash]);
        var part = prefix[(slash + 1)..];
        IReadOnlyList<string> names = !Directory.Exists(start) ? [] : Directory.EnumerateFiles(start)
            .Concat(Directory.EnumerateDirectories(start)
                .Where(folder => Path.GetFileName(folder).StartsWith(part, StringComparison.Ordinal))
                .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)))
            .Select(file => Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && !BlobNames.IsReserved(name))
            .Order(StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(names);
    }

    public Task DeleteAsync(string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = WritablePath(name);
        try { File.Delete(path); }
        catch (DirectoryNotFoundException) { return Task.CompletedTask; } // its folder is gone too: nothing to remove
        // Object stores have no folders: one left empty would outlive its last blob, so it goes too.
        for (var folder = Path.GetDirectoryName(path); folder is not null && folder.Length > _root.Length; folder = Path.GetDirectoryName(folder))
        {
            if (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any()) break;
            Directory.Delete(folder);
        }
        return Task.CompletedTask;
    }

    public async Task<StoredObject?> ReadAsync(string name, CancellationToken ct)
    {
        var path = PathOf(name);
        if (!File.Exists(path)) return null;
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            return new StoredObject(Encoding.UTF8.GetString(bytes), ETagOf(bytes));
        }
        catch (FileNotFoundException)
        {
            return null; // removed between the check and the read
        }
    }

    public Task<string?> TryCreateAsync(string name, string content, CancellationToken ct)
    {
        var path = WritablePath(name);
        var bytes = Encoding.UTF8.GetBytes(content);
        var folder = Path.GetDirectoryName(path)!;
        var folderIsNew = CreateFolder(folder);
        try
        {
            _pending.FlushAll();
            var temp = WriteTemp(path, bytes);
            if (!NoReplaceMove.TryMove(temp, path))
            {
                File.Delete(temp);
                return Task.FromResult<string?>(null);
            }
            storage.FlushDirectory(folder);
            return Task.FromResult<string?>(ETagOf(bytes));
        }
        catch when (folderIsNew)
        {
            // A create the disk refused (full, gone) takes back the folder it made, so no empty folder is left to be
            // taken for something (a snapshot folder lists as an unfinished snapshot); one another writer filled stays.
            RemoveIfEmpty(folder);
            throw;
        }
    }

    private static void RemoveIfEmpty(string folder)
    {
        try { Directory.Delete(folder, recursive: false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* not empty, or gone: not ours to remove */ }
    }

    public async Task<string?> TryReplaceAsync(string name, string content, string etag, CancellationToken ct)
    {
        var path = WritablePath(name);
        if (!File.Exists(path)) return null;
        FileStream held;
        try { held = await FolderBlobLock.AcquireAsync(path, ct).ConfigureAwait(false); }
        catch (DirectoryNotFoundException) { return null; } // gone with its folder
        await using (held.ConfigureAwait(false))
        {
            byte[] current;
            try { current = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false); }
            catch (FileNotFoundException) { return null; }
            if (!string.Equals(ETagOf(current), etag, StringComparison.Ordinal)) return null;
            var bytes = Encoding.UTF8.GetBytes(content);
            _pending.FlushAll();
            File.Move(WriteTemp(path, bytes), path, overwrite: true);
            storage.FlushDirectory(Path.GetDirectoryName(path)!);
            return ETagOf(bytes);
        }
    }

    /// <summary>
    /// Puts a small blob whole, replacing any blob of that name, without condition: readers see its old content or the
    /// new one, never part (a temporary file flushed, renamed over it, its folder flushed). Folders named by earlier
    /// writes are flushed first.
    /// </summary>
    /// <param name="name">The blob.</param>
    /// <param name="content">Its new content, stored as UTF-8.</param>
    /// <param name="createFolder">False leaves a missing folder missing: DirectoryNotFoundException, nothing written.</param>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when read-only.</exception>
    /// <exception cref="DirectoryNotFoundException">The blob's folder is missing and <paramref name="createFolder"/> is false.</exception>
    public void PutWhole(string name, string content, bool createFolder)
    {
        var path = WritablePath(name);
        var folder = Path.GetDirectoryName(path)!;
        if (createFolder) CreateFolder(folder);
        else if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"'{_root}' has no folder for the blob '{name}'.");
        _pending.FlushAll();
        File.Move(WriteTemp(path, Encoding.UTF8.GetBytes(content)), path, overwrite: true);
        storage.FlushDirectory(folder);
    }

    /// <summary>The file that holds the blob <paramref name="name"/> (which may not exist).</summary>
    public string FilePath(string name) => PathOf(name);

    /// <summary>Throws as every write to <paramref name="name"/> would when the store is read-only (for writes made beside the store, a lock file).</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when read-only.</exception>
    /// <exception cref="IOException">On (simulated) read-only media.</exception>
    public void RequireWritable(string name) => WritablePath(name);

    /// <summary>Creates a blob's folder; a new one is recorded so the folder naming it is flushed before the next commit.</summary>
    /// <returns>True when this call created the folder.</returns>
    private bool CreateFolder(string folder)
    {
        if (Directory.Exists(folder)) return false;
        OwnerOnlyFiles.CreateDirectory(folder);
        if (Path.GetDirectoryName(folder) is { } parent) _pending.Add(parent);
        return true;
    }

    /// <summary>Writes a flushed temporary file beside <paramref name="path"/> under a reserved name, in its existing folder.</summary>
    private string WriteTemp(string path, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(folder, IBlobStore.ReservedPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using var file = OwnerOnlyFiles.CreateFile(temp, 4096);
            file.Write(bytes);
            storage.FlushFile(file);
            return temp;
        }
        catch
        {
            // A temporary file the disk refused is this call's to remove; left, it would hold space and its folder.
            File.Delete(temp);
            throw;
        }
    }

    private static string ETagOf(byte[] bytes) => "\"" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant() + "\"";

    private string WritablePath(string name)
    {
        if (!writable) throw BlobNames.ReadOnly(_root, name);
        _gate.Pass();
        return PathOf(name);
    }

    private string PathOf(string name) => Path.Combine(_root, BlobNames.Require(name).Replace('/', Path.DirectorySeparatorChar));
}
