namespace MongoBackup.Engine.Storage;

/// <summary>
/// Where a folder repository's writes pass: before a writing command starts, the folder is created when missing and
/// proven to take a file, so it fails at once naming the folder; a command that only reads never comes here, so a
/// folder on read-only or immutable media can be listed, verified and restored from.
/// </summary>
/// <param name="root">The repository folder.</param>
/// <param name="storage">How the folder's creation reaches stable storage.</param>
/// <param name="onReadOnlyMedia">
/// Test seam: every write fails as the OS fails it on read-only media (EROFS, "Read-only file system"), for tests run
/// as root, whom file permissions do not stop.
/// </param>
internal sealed class FolderWriteGate(string root, StableStorage storage, bool onReadOnlyMedia)
{
    private const int ReadOnlyFileSystem = 30; // EROFS on Linux

    /// <summary>Creates the folder when missing (durably) and writes and removes a probe file in it.</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable, naming the folder and the system's reason.</exception>
    public void Prepare()
    {
        try
        {
            Pass();
            var created = !Directory.Exists(root);
            OwnerOnlyFiles.CreateDirectory(root);
            // A new repository folder must outlive a power cut before any snapshot in it can.
            if (created && Path.GetDirectoryName(root) is { } parent) storage.FlushDirectory(parent);
            var probe = Path.Combine(root, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MongoBackupException(ErrorIds.RepositoryNotWritable,
                $"The repository folder '{root}' cannot be written, and this command writes to it: {e.Message}", e, root);
        }
    }

    /// <summary>Lets a write through; on (simulated) read-only media, fails it with the system's error.</summary>
    /// <exception cref="IOException">Read-only file system.</exception>
    public void Pass()
    {
        if (onReadOnlyMedia) throw new IOException($"Read-only file system: '{root}'.", ReadOnlyFileSystem);
    }
}
