using System.Runtime.CompilerServices;
using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots kept in a local (or mounted) folder: snapshot &lt;id&gt; is the folder &lt;repo&gt;/&lt;id&gt;/ holding
/// the mongodump layout plus manifest.json, so every snapshot folder is also a mongodump directory.
/// </summary>
public sealed class FolderRepository : ISnapshotRepository, ILeasableRepository, IRepositorySettingsStore, ISnapshotMarks
{
    private readonly string _root;
    private readonly StableStorage _storage;
    private readonly FolderSnapshotMarks _marks;
    private readonly FolderWriteGate _writes;
    private readonly FolderManifests _manifests;

    /// <summary>
    /// Opens the folder. For <see cref="RepositoryAccess.Write"/> (the default) it is created when missing and proven
    /// writable; for <see cref="RepositoryAccess.Read"/> nothing is written (a folder on read-only media opens).
    /// </summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable, naming the folder, when a writer cannot create or write it.</exception>
    public FolderRepository(string path, RepositoryAccess access = RepositoryAccess.Write) : this(path, access, StableStorage.System) { }

    /// <summary>Opens it for writing, flushing to stable storage through <paramref name="storage"/> (tests record the order of flushes).</summary>
    internal FolderRepository(string path, StableStorage storage) : this(path, RepositoryAccess.Write, storage) { }

    /// <param name="path">The repository folder.</param>
    /// <param name="access">Whether it is opened to write (created and proven writable) or to read (nothing written).</param>
    /// <param name="storage">How writes reach stable storage.</param>
    /// <param name="onReadOnlyMedia">Test seam: every write fails as on read-only media (see <see cref="FolderWriteGate"/>).</param>
    internal FolderRepository(string path, RepositoryAccess access, StableStorage storage, bool onReadOnlyMedia = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _storage = storage;
        _root = Path.GetFullPath(path);
        _marks = new FolderSnapshotMarks(SnapshotFolder);
        _writes = new FolderWriteGate(_root, storage, onReadOnlyMedia);
        _manifests = new FolderManifests(_root, storage);
        if (access == RepositoryAccess.Write) _writes.Prepare();
    }

    /// <summary>The repository folder's full path.</summary>
    public string Location => _root;

    /// <summary>Creates &lt;repo&gt;/&lt;id&gt;/&lt;path&gt; (and the snapshot's marker first, when the id was not reserved); the file is flushed to stable storage as it closes.</summary>
    /// <exception cref="ArgumentException">The path reaches outside the snapshot folder.</exception>
    /// <exception cref="IOException">The file cannot be created (read-only media among the causes).</exception>
    public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _writes.Pass();
        var path = ResolveFile(snapshotId, relativePath);
        // The marker goes first, so a folder this backup leaves unfinished is never taken for a plain mongodump folder.
        SnapshotFolderMarker.Ensure(SnapshotFolder(snapshotId), snapshotId, _storage);
        OwnerOnlyFiles.CreateDirectory(Path.GetDirectoryName(path)!);
        var file = OwnerOnlyFiles.CreateFile(path, 1 << 16);
        // Each file reaches stable storage as it closes, before any manifest can vouch for it.
        return Task.FromResult(new SnapshotFileWriter(file, relativePath, beforeClose: () => _storage.FlushFile(file)));
    }

    /// <summary>The stored bytes of &lt;repo&gt;/&lt;id&gt;/&lt;path&gt;.</summary>
    /// <exception cref="FileNotFoundException">The snapshot has no such file.</exception>
    public Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var path = ResolveFile(snapshotId, relativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Snapshot '{snapshotId}' in '{_root}' has no file '{relativePath}'.", path);
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Task.FromResult(stream);
    }

    /// <summary>Writes &lt;id&gt;/manifest.json through manifest.json.tmp and a rename, replacing one already there (see <see cref="FolderManifests"/>).</summary>
    public Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct) => CommitAsync(manifest, replace: true, ct);

    /// <summary>As <see cref="CommitManifestAsync"/>, but the rename refuses an existing manifest.json.</summary>
    /// <exception cref="MongoBackupException">SnapshotExists when a manifest of that id is there (it is left as it was).</exception>
    public Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct) => CommitAsync(manifest, replace: false, ct);

    private Task CommitAsync(SnapshotManifest manifest, bool replace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        _writes.Pass();
        return _manifests.CommitAsync(SnapshotFolder(manifest.Id), manifest, replace, ct);
    }

    /// <summary>Creates &lt;id&gt;/.mongobackup-snapshot with FileMode.CreateNew; false when the folder already exists.</summary>
    public Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _writes.Pass();
        var folder = SnapshotFolder(snapshotId);
        // A folder of that name without a marker (a snapshot older than the marker, a folder made by hand) is taken too;
        // two new writers that both pass this check are kept apart by the marker's create-if-absent.
        if (Directory.Exists(folder)) return Task.FromResult(false);
        return Task.FromResult(SnapshotFolderMarker.TryCreate(folder, snapshotId, _storage));
    }

    /// <summary>One result per folder of the repository, in ordinal order of names: its manifest, or why none could be read.</summary>
    public async IAsyncEnumerable<ManifestReadResult> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (!Directory.Exists(_root)) yield break;
        foreach (var folder in Directory.EnumerateDirectories(_root).Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            yield return await FolderManifests.ReadAsync(Path.GetFileName(folder), folder, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The manifest of &lt;repo&gt;/&lt;id&gt;/ read alone; null when there is no such folder.</summary>
    public async Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct)
    {
        var folder = SnapshotFolder(snapshotId);
        return Directory.Exists(folder) ? await FolderManifests.ReadAsync(snapshotId, folder, ct).ConfigureAwait(false) : null;
    }

    /// <summary>Removes the snapshot folder, its manifest first.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder of that id.</exception>
    /// <exception cref="IOException">A file cannot be removed.</exception>
    public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _writes.Pass();
        var folder = SnapshotFolder(snapshotId);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Snapshot '{snapshotId}' does not exist in '{_root}'.");
        // Remove the manifest first: if deletion stops halfway, what is left lists as incomplete, not as a broken "complete" snapshot.
        var manifest = Path.Combine(folder, SnapshotManifest.FileName);
        if (File.Exists(manifest)) File.Delete(manifest);
        Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The lease file &lt;repo&gt;/.mongobackup-lease (see <see cref="FolderLease"/>); snapshots are folders, so listing never sees it.</summary>
    public Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, CancellationToken ct) =>
        TryAcquireLeaseAsync(holderId, duration, TimeProvider.System, ct);

    /// <summary>As the overload without a clock, judging expiry by <paramref name="clock"/>.</summary>
    public Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        _writes.Pass();
        return FolderLease.TryAcquireAsync(_root, holderId, duration, clock, ct);
    }

    /// <summary>&lt;repo&gt;/.mongobackup-settings.json; a file, so listing (which reads folders) never sees it.</summary>
    public async Task<RepositorySettings?> ReadSettingsAsync(CancellationToken ct)
    {
        var path = Path.Combine(_root, RepositorySettings.FileName);
        return File.Exists(path) ? RepositorySettings.Deserialize(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false), path) : null;
    }

    /// <summary>Replaces &lt;repo&gt;/.mongobackup-settings.json durably (temporary file, flush, rename, flush of the folder).</summary>
    public async Task WriteSettingsAsync(RepositorySettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _writes.Pass();
        await _manifests.ReplaceDurablyAsync(Path.Combine(_root, RepositorySettings.FileName), settings.Serialize(), ct).ConfigureAwait(false);
    }

    /// <summary>Writes a mark (a read lease's or a removal's) into the snapshot folder; false when the snapshot is gone (see <see cref="FolderSnapshotMarks"/>).</summary>
    public Task<bool> WriteMarkAsync(string snapshotId, string name, string content, CancellationToken ct)
    {
        _writes.Pass();
        return _marks.WriteAsync(snapshotId, name, content, ct);
    }

    /// <summary>The snapshot's marks whose names start with <paramref name="prefix"/>, with their content.</summary>
    public Task<IReadOnlyList<(string Name, string Content)>> ReadMarksAsync(string snapshotId, string prefix, CancellationToken ct) =>
        _marks.ReadAsync(snapshotId, prefix, ct);

    /// <summary>Removes a mark; one already gone is not an error.</summary>
    public Task DeleteMarkAsync(string snapshotId, string name, CancellationToken ct)
    {
        _writes.Pass();
        return _marks.DeleteAsync(snapshotId, name, ct);
    }

    /// <summary>The real path of a snapshot file, or of the snapshot's folder itself when <paramref name="relativePath"/> is empty.</summary>
    public string? LocalPath(string snapshotId, string relativePath) =>
        relativePath.Length == 0 ? SnapshotFolder(snapshotId) : ResolveFile(snapshotId, relativePath);

    private string SnapshotFolder(string snapshotId)
    {
        SnapshotIds.RequireValid(snapshotId);
        return Path.Combine(_root, snapshotId);
    }

    /// <summary>The file's real path; refuses paths that would leave the snapshot folder.</summary>
    private string ResolveFile(string snapshotId, string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        var folder = SnapshotFolder(snapshotId);
        var path = Path.GetFullPath(Path.Combine(folder, relativePath.Replace('/', Path.DirectorySeparatorChar)));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{relativePath}' is outside snapshot '{snapshotId}'.", nameof(relativePath));
        return path;
    }
}
