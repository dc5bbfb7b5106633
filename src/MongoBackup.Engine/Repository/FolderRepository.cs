using System.Collections.Concurrent;
using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots kept in a local (or mounted) folder: snapshot &lt;id&gt; is the folder &lt;repo&gt;/&lt;id&gt;/ holding
/// the mongodump layout plus manifest.json, so every snapshot folder is also a mongodump directory. Files, manifests,
/// marks and settings go through the blob contract (<see cref="FolderBlobStore"/>) as in the object stores; what is the
/// folder's own is here: every folder is a snapshot (one copied in by hand too), a file written without a reserved id
/// gets the snapshot's marker first, manifests and marks replace atomically, and files have a real path. The lease is
/// the object stores' (<see cref="ConditionalObjectLease"/>), on the file &lt;repo&gt;/.mongobackup-lease.
/// </summary>
public sealed class FolderRepository : BlobStoreRepository
{
    private readonly FolderBlobStore _files;
    // Snapshots whose marker this repository object has seen or written, so each file does not look for it again.
    private readonly ConcurrentDictionary<string, byte> _marked = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens the folder. For <see cref="RepositoryAccess.Write"/> (the default) it is created when missing and proven
    /// writable; for <see cref="RepositoryAccess.Read"/> nothing is written on opening (a folder on read-only media opens),
    /// and a read lease's marks are written only where the media takes them.
    /// </summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable, naming the folder, when a writer cannot create or write it.</exception>
    public FolderRepository(string path, RepositoryAccess access = RepositoryAccess.Write) : this(path, access, StableStorage.System) { }

    /// <summary>Opens it for writing, flushing to stable storage through <paramref name="storage"/> (tests record the order of flushes).</summary>
    internal FolderRepository(string path, StableStorage storage) : this(path, RepositoryAccess.Write, storage) { }

    /// <param name="path">The repository folder.</param>
    /// <param name="access">Whether it is opened to write (created and proven writable) or to read (nothing written on opening).</param>
    /// <param name="storage">How writes reach stable storage.</param>
    /// <param name="onReadOnlyMedia">Test seam: every write fails as on read-only media (see <see cref="FolderWriteGate"/>).</param>
    internal FolderRepository(string path, RepositoryAccess access, StableStorage storage, bool onReadOnlyMedia = false)
        : this(Open(path, storage, onReadOnlyMedia), access) { }

    private FolderRepository(FolderBlobStore files, RepositoryAccess access) : base(RepositoryLocation.Folder(files.Location), files)
    {
        _files = files;
        if (access == RepositoryAccess.Write) files.PrepareForWriting();
    }

    // Writable either way: a command that only reads still writes its read leases' marks where the media takes them.
    private static FolderBlobStore Open(string path, StableStorage storage, bool onReadOnlyMedia)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new FolderBlobStore(path, writable: true, storage, onReadOnlyMedia);
    }

    /// <summary>Creates &lt;repo&gt;/&lt;id&gt;/&lt;path&gt; (and the snapshot's marker first, when the id was not reserved); the file is flushed to stable storage as it closes.</summary>
    /// <exception cref="ArgumentException">The path reaches outside the snapshot folder.</exception>
    /// <exception cref="IOException">The file cannot be created (read-only media among the causes).</exception>
    public override async Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        var name = SnapshotBlobLayout.FileName(snapshotId, relativePath);
        // The marker goes first, so a folder this backup leaves unfinished is never taken for a plain mongodump folder.
        if (!_marked.ContainsKey(snapshotId))
        {
            var marker = SnapshotBlobLayout.FileName(snapshotId, SnapshotFolderMarker.FileName);
            if (await Blobs.ReadAsync(marker, ct).ConfigureAwait(false) is null)
                await Blobs.TryCreateAsync(marker, SnapshotFolderMarker.Text(snapshotId), ct).ConfigureAwait(false);
            _marked.TryAdd(snapshotId, 0);
        }
        return new SnapshotFileWriter(await Blobs.OpenWriteAsync(name, ct).ConfigureAwait(false), relativePath);
    }

    /// <summary>
    /// Writes &lt;id&gt;/manifest.json whole, replacing one already there: the folders naming the snapshot's files are
    /// flushed, then the manifest is written under a temporary name, flushed, renamed into place, and its folder flushed.
    /// </summary>
    public override Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ct.ThrowIfCancellationRequested();
        _files.PutWhole(SnapshotBlobLayout.ManifestName(manifest.Id), manifest.Serialize(), createFolder: true);
        return Task.CompletedTask;
    }

    /// <summary>Removes the snapshot folder, its manifest first, then what is no blob (empty folders, a crashed write's temporary files).</summary>
    /// <exception cref="DirectoryNotFoundException">No folder of that id.</exception>
    /// <exception cref="MongoBackupException">RepositoryNotWritable: a file or folder cannot be removed, named, with what the removal left.</exception>
    public override async Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct)
    {
        var folder = LocalPath(snapshotId, "")!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Snapshot '{snapshotId}' does not exist in '{Location}'.");
        var removedBlobs = true;
        try { await base.DeleteSnapshotAsync(snapshotId, ct).ConfigureAwait(false); }
        catch (DirectoryNotFoundException) { removedBlobs = false; /* a folder holding no blob: removed below */ }
        _marked.TryRemove(snapshotId, out _);
        try
        {
            _files.RequireWritable(SnapshotBlobLayout.SnapshotFolder(snapshotId) + SnapshotFolderMarker.FileName);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Every blob went (the manifest first): what is left is no blob, a crashed write's temporary file or a folder.
            throw RemovalRefused(snapshotId, folder, removedBlobs, e);
        }
    }

    /// <summary>A mark replaced whole (never seen half-written); false, creating nothing, when the snapshot folder is gone.</summary>
    public override Task<bool> WriteMarkAsync(string snapshotId, string name, string content, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            _files.PutWhole(SnapshotBlobLayout.FileName(snapshotId, name), content, createFolder: false);
            return Task.FromResult(true);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult(false); // the snapshot is gone: a mark must not bring its folder back
        }
    }

    /// <summary>The real path of a snapshot file, or of the snapshot's folder itself when <paramref name="relativePath"/> is empty.</summary>
    /// <exception cref="ArgumentException">The id or the path reaches outside the snapshot folder.</exception>
    public override string? LocalPath(string snapshotId, string relativePath) => relativePath.Length == 0
        ? _files.FilePath(SnapshotBlobLayout.SnapshotFolder(snapshotId).TrimEnd('/'))
        : _files.FilePath(SnapshotBlobLayout.FileName(snapshotId, relativePath));

    /// <summary>Every folder of the repository, with no file yet or copied in by hand too: the listing keeps those that are snapshots, complete or not.</summary>
    private protected override Task<List<string>> ListSnapshotIdsAsync(CancellationToken ct) =>
        Task.FromResult(!Directory.Exists(Location) ? [] : Directory.EnumerateDirectories(Location).Select(f => Path.GetFileName(f)).ToList());

    /// <summary>A snapshot folder exists, even with no file in it.</summary>
    private protected override Task<bool> SnapshotExistsAsync(string snapshotId, CancellationToken ct) =>
        Task.FromResult(Directory.Exists(LocalPath(snapshotId, "")));

    /// <summary>Says so when a manifest.json.tmp is there: a version before the blob store was stopped while committing it.</summary>
    private protected override string MissingManifestReason(string snapshotId) =>
        File.Exists(LocalPath(snapshotId, SnapshotManifest.TempFileName))
            ? $"Snapshot folder '{snapshotId}' has {SnapshotManifest.TempFileName} but no {SnapshotManifest.FileName}: the backup stopped while committing its manifest."
            : $"Snapshot folder '{snapshotId}' has no {SnapshotManifest.FileName}: the backup did not finish.";
}
