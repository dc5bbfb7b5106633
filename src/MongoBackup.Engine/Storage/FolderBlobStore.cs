using System.Security.Cryptography;
using System.Text;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Blobs as files below a local (or mounted) folder: the name "a/b/c" is the file ROOT/a/b/c. Conditional creates
/// write a temporary file, flush it, and rename it without replacing (which .NET does with link(2) on Unix and
/// MoveFileEx without MOVEFILE_REPLACE_EXISTING on Windows, both refusing an existing target atomically); conditional
/// replaces do the same under an exclusive lock of the blob. An ETag is the SHA-256 of the content.
/// </summary>
internal sealed class FolderBlobStore(string root, bool writable, StableStorage storage) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(root);

    public string Location => _root;

    public bool IsWritable => writable;

    public Task<Stream> OpenWriteAsync(string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = WritablePath(name);
        OwnerOnlyFiles.CreateDirectory(Path.GetDirectoryName(path)!);
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
        // Enumerate from the deepest folder the prefix names, not the whole tree.
        var folderPart = prefix.LastIndexOf('/') is var slash and >= 0 ? prefix[..slash] : "";
        var start = folderPart.Length == 0 ? _root : PathOf(folderPart);
        IReadOnlyList<string> names = !Directory.Exists(start) ? [] : Directory
            .EnumerateFiles(start, "*", SearchOption.AllDirectories)
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
        var temp = WriteTemp(path, bytes);
        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return Task.FromResult<string?>(null);
        }
        storage.FlushDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult<string?>(ETagOf(bytes));
    }

    public async Task<string?> TryReplaceAsync(string name, string content, string etag, CancellationToken ct)
    {
        var path = WritablePath(name);
        FileStream held;
        try
        {
            // FileShare.None is an exclusive lock (flock on Unix): of two replacers, the second is refused here.
            held = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
        await using (held.ConfigureAwait(false))
        {
            var current = new byte[held.Length];
            await held.ReadExactlyAsync(current, ct).ConfigureAwait(false);
            if (!string.Equals(ETagOf(current), etag, StringComparison.Ordinal)) return null;
            var bytes = Encoding.UTF8.GetBytes(content);
            File.Move(WriteTemp(path, bytes), path, overwrite: true);
            storage.FlushDirectory(Path.GetDirectoryName(path)!);
            return ETagOf(bytes);
        }
    }

    /// <summary>Writes a flushed temporary file beside <paramref name="path"/> under a reserved name, creating its folder.</summary>
    private string WriteTemp(string path, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(path)!;
        OwnerOnlyFiles.CreateDirectory(folder);
        var temp = Path.Combine(folder, IBlobStore.ReservedPrefix + Guid.NewGuid().ToString("N"));
        using var file = OwnerOnlyFiles.CreateFile(temp, 4096);
        file.Write(bytes);
        storage.FlushFile(file);
        return temp;
    }

    private static string ETagOf(byte[] bytes) => "\"" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant() + "\"";

    private string WritablePath(string name) => writable ? PathOf(name) : throw BlobNames.ReadOnly(_root, name);

    private string PathOf(string name) => Path.Combine(_root, BlobNames.Require(name).Replace('/', Path.DirectorySeparatorChar));

    /// <summary>A new file that reaches stable storage before it closes (owner-only, as every repository file).</summary>
    private sealed class DurableFile(string path, StableStorage storage) : FileStream(path, OwnerOnlyFiles.WriteOptions(FileMode.Create, 1 << 16))
    {
        private bool _flushed;

        protected override void Dispose(bool disposing)
        {
            if (disposing) FlushOnce();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            FlushOnce();
            await base.DisposeAsync().ConfigureAwait(false);
        }

        private void FlushOnce()
        {
            if (_flushed || !CanWrite) return;
            _flushed = true;
            storage.FlushFile(this);
        }
    }
}
