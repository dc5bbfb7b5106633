namespace MongoBackup.Engine.Storage;

/// <summary>
/// The exclusive OS lock (flock on Linux and macOS, a share mode on Windows) that serialises the conditional replaces
/// of one blob of a folder store: a lock file beside the blob, under the store's reserved prefix so listings never
/// show it, never renamed or removed, so every replacer locks the same file. Locking the blob itself is not enough: a
/// replacer that opened it just before another renamed a new file over it would lock the old, unlinked file, and both
/// would win. The OS drops the lock when a process dies, so a crash never leaves it held.
/// </summary>
internal static class FolderBlobLock
{
    /// <summary>How long a replacer waits for another one's change (which takes milliseconds) before giving up.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Takes the lock of the blob at <paramref name="blobPath"/>, waiting while another replacer holds it; disposing releases it.</summary>
    /// <exception cref="DirectoryNotFoundException">The blob's folder is gone.</exception>
    /// <exception cref="IOException">The lock stayed held for <see cref="Patience"/>, or its file cannot be created.</exception>
    public static async Task<FileStream> AcquireAsync(string blobPath, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetDirectoryName(blobPath)!, IBlobStore.ReservedPrefix + "lock-" + Path.GetFileName(blobPath));
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try { return new FileStream(path, options); }
            catch (IOException e) when (e is not DirectoryNotFoundException && DateTime.UtcNow < deadline && File.Exists(path))
            {
                // Held by another replacer: there is no waiting call for it, so look again shortly.
                await Task.Delay(Random.Shared.Next(2, 15), ct).ConfigureAwait(false);
            }
        }
    }
}
