using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// <see cref="ISnapshotMarks"/> in a folder repository: files at the root of the snapshot folder, each written under
/// a private name and renamed into place, so a renewal never shows a half-written mark.
/// </summary>
internal sealed class FolderSnapshotMarks(Func<string, string> snapshotFolder)
{
    private const string TempSuffix = ".tmp";

    public Task<bool> WriteAsync(string snapshotId, string name, string content, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var folder = snapshotFolder(snapshotId);
        var path = Path.Combine(folder, name);
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            using (var stream = OwnerOnlyFiles.CreateNewFile(temp))
            using (var writer = new StreamWriter(stream))
                writer.Write(content);
            File.Move(temp, path, overwrite: true);
            return Task.FromResult(true);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult(false); // the snapshot is gone: a mark must not bring its folder back
        }
    }

    public async Task<IReadOnlyList<(string Name, string Content)>> ReadAsync(string snapshotId, string prefix, CancellationToken ct)
    {
        var folder = snapshotFolder(snapshotId);
        if (!Directory.Exists(folder)) return [];
        var marks = new List<(string, string)>();
        foreach (var path in Directory.EnumerateFiles(folder, prefix + "*").Where(p => !p.EndsWith(TempSuffix, StringComparison.Ordinal)))
        {
            try { marks.Add((Path.GetFileName(path), await File.ReadAllTextAsync(path, ct).ConfigureAwait(false))); }
            catch (FileNotFoundException) { /* released meanwhile */ }
        }
        return marks;
    }

    public Task DeleteAsync(string snapshotId, string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try { File.Delete(Path.Combine(snapshotFolder(snapshotId), name)); }
        catch (DirectoryNotFoundException) { /* the snapshot went with it */ }
        return Task.CompletedTask;
    }
}
