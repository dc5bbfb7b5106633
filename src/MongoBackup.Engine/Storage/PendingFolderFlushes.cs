using System.Collections.Concurrent;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// The folders of a folder store whose entries changed (a file created in them, a folder created below them) and are
/// not yet on stable storage. A file's bytes are flushed as it closes; the names are flushed together, deepest folder
/// first, just before the next conditional or whole write, which is what vouches for earlier ones (a snapshot's
/// manifest, committed after its files): one fsync per folder per commit rather than one per file.
/// </summary>
/// <param name="root">The store's folder: the highest folder recorded.</param>
/// <param name="storage">How a folder reaches stable storage.</param>
internal sealed class PendingFolderFlushes(string root, StableStorage storage)
{
    private readonly ConcurrentDictionary<string, byte> _folders = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="folder"/> and every folder above it up to the root (a new folder is named by its parent).</summary>
    public void Add(string folder)
    {
        for (var at = folder; at is not null && at.Length >= root.Length; at = Path.GetDirectoryName(at))
            _folders.TryAdd(at, 0);
    }

    /// <summary>Flushes every recorded folder, deepest first; a folder whose flush fails stays recorded.</summary>
    /// <exception cref="IOException">A folder could not be flushed; the message names it.</exception>
    public void FlushAll()
    {
        foreach (var folder in _folders.Keys.OrderByDescending(f => f.Length).ThenBy(f => f, StringComparer.Ordinal))
        {
            if (Directory.Exists(folder)) storage.FlushDirectory(folder);
            _folders.TryRemove(folder, out _);
        }
    }
}
