using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A folder repository's manifests and settings file on disk: committed durably (each file already flushed, then the
/// folders that name them, then the manifest through a temporary file and a rename, then the folder holding it), and
/// read back as complete, unfinished (no manifest.json, perhaps a manifest.json.tmp) or damaged.
/// </summary>
internal sealed class FolderManifests(string root, StableStorage storage)
{
    /// <summary>
    /// Commits <paramref name="manifest"/> into its snapshot <paramref name="folder"/>: the folders that name the
    /// snapshot's files are flushed, then manifest.json is written through manifest.json.tmp and a rename.
    /// </summary>
    /// <param name="folder">The snapshot's folder, &lt;repo&gt;/&lt;id&gt;.</param>
    /// <param name="manifest">The manifest, committed as serialized.</param>
    /// <param name="replace">False refuses an existing manifest.json.</param>
    /// <param name="ct">Cancels writing the manifest.</param>
    /// <exception cref="MongoBackupException">SnapshotExists when <paramref name="replace"/> is false and a manifest is there.</exception>
    /// <exception cref="IOException">A file or folder cannot be written or flushed.</exception>
    public async Task CommitAsync(string folder, SnapshotManifest manifest, bool replace, CancellationToken ct)
    {
        OwnerOnlyFiles.CreateDirectory(folder);
        // The manifest vouches for the files: they are on stable storage already (each flushed as it closed); now the
        // folders that name them, then the manifest itself, and only then does it become visible, durably.
        FlushFolders(folder);
        var path = Path.Combine(folder, SnapshotManifest.FileName);
        try
        {
            await ReplaceDurablyAsync(path, manifest.Serialize(), ct, replace).ConfigureAwait(false);
        }
        catch (IOException) when (!replace && File.Exists(path))
        {
            File.Delete(path + ".tmp");
            throw ISnapshotRepository.SnapshotManifestExists(manifest.Id, root);
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> to &lt;path&gt;.tmp, flushes it to stable storage, renames it to
    /// <paramref name="path"/> and flushes the folder: the file is either its old self or whole, and stays so.
    /// Without <paramref name="replace"/> the rename fails (IOException) when <paramref name="path"/> exists: .NET renames
    /// without overwriting by link(2) then unlink(2) on Unix and MoveFileEx without MOVEFILE_REPLACE_EXISTING on Windows,
    /// both of which refuse an existing target atomically.
    /// </summary>
    public async Task ReplaceDurablyAsync(string path, string text, CancellationToken ct, bool replace = true)
    {
        var temp = path + ".tmp";
        await using (var stream = OwnerOnlyFiles.CreateFile(temp, 4096))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(text.AsMemory(), ct).ConfigureAwait(false);
            await writer.FlushAsync(ct).ConfigureAwait(false);
            storage.FlushFile(stream);
        }
        File.Move(temp, path, overwrite: replace);
        storage.FlushDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Flushes every folder of a snapshot, deepest first, then the snapshot folder and the repository folder that name them.</summary>
    private void FlushFolders(string snapshotFolder)
    {
        foreach (var folder in Directory.EnumerateDirectories(snapshotFolder, "*", SearchOption.AllDirectories).OrderByDescending(f => f.Length))
            storage.FlushDirectory(folder);
        storage.FlushDirectory(snapshotFolder);
        storage.FlushDirectory(root);
    }

    /// <summary>The manifest of the snapshot <paramref name="id"/> in <paramref name="folder"/>, or why it is missing (never finished) or damaged.</summary>
    public static async Task<ManifestReadResult> ReadAsync(string id, string folder, CancellationToken ct)
    {
        var manifestPath = Path.Combine(folder, SnapshotManifest.FileName);
        if (!File.Exists(manifestPath))
            return ManifestReadResult.Missing(id, File.Exists(Path.Combine(folder, SnapshotManifest.TempFileName))
                ? $"Snapshot folder '{id}' has {SnapshotManifest.TempFileName} but no {SnapshotManifest.FileName}: the backup stopped while committing its manifest."
                : $"Snapshot folder '{id}' has no {SnapshotManifest.FileName}: the backup did not finish.");
        try
        {
            var json = await File.ReadAllTextAsync(manifestPath, ct).ConfigureAwait(false);
            return new ManifestReadResult(id, SnapshotManifest.Deserialize(json, manifestPath), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The manifest was committed, so the backup finished: its data may be whole. Damaged, never "unfinished".
            return ManifestReadResult.Damaged(id, e.Message);
        }
    }
}
