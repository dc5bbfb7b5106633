using System.Runtime.CompilerServices;
using System.Text;
using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots over the blob contract (<see cref="IBlobStore"/>), the one class behind the folder, Azure Blob Storage and S3
/// repositories: snapshot &lt;id&gt; is the blobs PREFIX/&lt;id&gt;/..., in the mongodump layout, plus
/// PREFIX/&lt;id&gt;/manifest.json written last. How snapshots are listed, how a manifest's absence or damage is reported,
/// in what order a snapshot is deleted, how an id is reserved and a manifest committed, marks, settings and the lease
/// are decided here the same way whatever the store; a subclass supplies its blob store, and may list snapshot ids
/// faster than a full listing or add what only its kind has (a folder's real paths).
/// </summary>
public abstract class BlobStoreRepository : ISnapshotRepository, ILeasableRepository, IRepositorySettingsStore, ISnapshotMarks
{
    private protected BlobStoreRepository(RepositoryLocation location, IBlobStore blobs)
    {
        ParsedLocation = location;
        Layout = new SnapshotBlobLayout(location);
        Blobs = blobs;
    }

    private protected RepositoryLocation ParsedLocation { get; }

    private protected SnapshotBlobLayout Layout { get; }

    /// <summary>The store's blobs, rooted at the repository's prefix.</summary>
    private protected IBlobStore Blobs { get; }

    /// <summary>The location as given (az://account/container/prefix, s3://bucket/prefix); never a secret.</summary>
    public string Location => ParsedLocation.ToString();

    /// <summary>A blob PREFIX/&lt;id&gt;/&lt;path&gt; streamed up (a block upload or a multipart upload), visible once the writer is disposed.</summary>
    /// <exception cref="MongoBackupException">The store's translated failures (RepositoryAccessDenied, RepositoryNotFound, RepositoryUnavailable).</exception>
    public virtual async Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct) =>
        new(await Blobs.OpenWriteAsync(SnapshotBlobLayout.FileName(snapshotId, relativePath), ct).ConfigureAwait(false), relativePath);

    /// <summary>The stored bytes of a snapshot file, streamed.</summary>
    /// <exception cref="FileNotFoundException">The snapshot has no such file.</exception>
    public async Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        try
        {
            return await Blobs.OpenReadAsync(SnapshotBlobLayout.FileName(snapshotId, relativePath), ct).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"Snapshot '{snapshotId}' in '{Location}' has no file '{relativePath}'.", relativePath, e);
        }
    }

    /// <summary>One upload of PREFIX/&lt;id&gt;/manifest.json, replacing one already there: it appears whole or not at all, after every file it lists.</summary>
    public virtual async Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var stream = await Blobs.OpenWriteAsync(SnapshotBlobLayout.ManifestName(manifest.Id), ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
            await stream.WriteAsync(Encoding.UTF8.GetBytes(manifest.Serialize()), ct).ConfigureAwait(false);
    }

    /// <summary>One conditional create (If-None-Match: *) of PREFIX/&lt;id&gt;/manifest.json: it appears whole, and never over another.</summary>
    /// <exception cref="MongoBackupException">SnapshotExists when a manifest of that id is there; the store's translated failures.</exception>
    public async Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (await Blobs.TryCreateAsync(SnapshotBlobLayout.ManifestName(manifest.Id), manifest.Serialize(), ct).ConfigureAwait(false) is null)
            throw ISnapshotRepository.SnapshotManifestExists(manifest.Id, Location);
    }

    /// <summary>
    /// Creates PREFIX/&lt;id&gt;/.mongobackup-snapshot with If-None-Match: *; false when any blob of that id exists
    /// already, or another writer's conditional create won. On a store that ignores the condition (see
    /// <see cref="S3ConditionalWriteProbe"/>) only the listing before it keeps writers apart.
    /// </summary>
    public async Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct)
    {
        if ((await Blobs.ListAsync(SnapshotBlobLayout.SnapshotFolder(snapshotId), ct).ConfigureAwait(false)).Count > 0) return false;
        return await Blobs.TryCreateAsync(SnapshotBlobLayout.FileName(snapshotId, SnapshotFolderMarker.FileName), SnapshotFolderMarker.Text(snapshotId), ct).ConfigureAwait(false) is not null;
    }

    /// <summary>The lease object PREFIX/.mongobackup-lease under conditional writes (see <see cref="ConditionalObjectLease"/>); listing never sees it.</summary>
    public Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, CancellationToken ct) =>
        TryAcquireLeaseAsync(holderId, duration, TimeProvider.System, ct);

    /// <summary>As <see cref="TryAcquireLeaseAsync(string, TimeSpan, CancellationToken)"/>, with the clock that decides expiry.</summary>
    /// <exception cref="MongoBackupException">LeaseNotSupported when the store ignores conditional writes; the store's translated failures.</exception>
    public virtual Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct) =>
        ConditionalObjectLease.TryAcquireAsync(new BlobConditionalObject(Blobs, ConditionalObjectLease.ObjectName), holderId, duration, clock, ct);

    /// <summary>The object PREFIX/.mongobackup-settings.json; at the root, so listing never takes it for a snapshot.</summary>
    public async Task<RepositorySettings?> ReadSettingsAsync(CancellationToken ct) =>
        await Blobs.ReadAsync(RepositorySettings.FileName, ct).ConfigureAwait(false) is { } stored
            ? RepositorySettings.Deserialize(stored.Text, $"{Location}/{RepositorySettings.FileName}")
            : null;

    /// <summary>Written with a conditional write, so two writers at once cannot both think they set the settings.</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when someone else changed them meanwhile.</exception>
    public async Task WriteSettingsAsync(RepositorySettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var existing = await Blobs.ReadAsync(RepositorySettings.FileName, ct).ConfigureAwait(false);
        var written = existing is null
            ? await Blobs.TryCreateAsync(RepositorySettings.FileName, settings.Serialize(), ct).ConfigureAwait(false)
            : await Blobs.TryReplaceAsync(RepositorySettings.FileName, settings.Serialize(), existing.ETag, ct).ConfigureAwait(false);
        if (written is null)
            throw new MongoBackupException(ErrorIds.RepositoryNotWritable,
                $"The settings of {Location} were changed by someone else while these were written; read them again and retry.", target: Location);
    }

    /// <summary>Blobs in an object store have no local path.</summary>
    public virtual string? LocalPath(string snapshotId, string relativePath) => null;

    /// <summary>
    /// One result per snapshot "folder", in ordinal order of ids: its manifest, or why none could be read. A folder without
    /// a manifest is listed only when it is an unfinished snapshot (<see cref="IsUnfinishedSnapshotAsync"/>), so an export or
    /// a copy kept beside the snapshots is never shown, removed or judged as one.
    /// </summary>
    public IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct) => ListCoreAsync(null, ct);

    /// <summary>The same one pass as <see cref="ListAsync"/>, the folders it leaves out named from the reads that left them out.</summary>
    public async Task<SnapshotListing> ListWithOtherFoldersAsync(CancellationToken ct)
    {
        var snapshots = new List<ManifestReadResult>();
        var others = new List<string>();
        await foreach (var result in ListCoreAsync(others, ct).ConfigureAwait(false)) snapshots.Add(result);
        return new SnapshotListing(snapshots, others);
    }

    /// <summary>Every folder's manifest read once; the ids of the folders that are no snapshot go to <paramref name="others"/> when given.</summary>
    private async IAsyncEnumerable<ManifestReadResult> ListCoreAsync(List<string>? others, [EnumeratorCancellation] CancellationToken ct)
    {
        var ids = await ListSnapshotIdsAsync(ct).ConfigureAwait(false);
        ids.Sort(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            ct.ThrowIfCancellationRequested();
            var found = await ReadStoredManifestAsync(id, ct).ConfigureAwait(false);
            if (found.State != ManifestState.Missing || await IsUnfinishedSnapshotAsync(id, ct).ConfigureAwait(false)) yield return found;
            else others?.Add(id);
        }
    }

    /// <summary>
    /// One GET of the manifest; only when it is missing, whether the id is an unfinished snapshot (a listing of its own
    /// prefix, or a GET of its marker) tells one from none: null for a folder the listing would not show either.
    /// </summary>
    public async Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct)
    {
        var found = await ReadStoredManifestAsync(snapshotId, ct).ConfigureAwait(false);
        if (found.State != ManifestState.Missing) return found;
        return await IsUnfinishedSnapshotAsync(snapshotId, ct).ConfigureAwait(false) ? found : null;
    }

    /// <summary>
    /// Whether a stored folder without a manifest is one of our unfinished snapshots: named as a backup names one
    /// (<see cref="SnapshotIds.IsGiven"/>), or holding the marker every reservation writes before any other file (a copy keeps
    /// its source's id, whatever that is). Any other folder was never one of this module's backups.
    /// </summary>
    private async Task<bool> IsUnfinishedSnapshotAsync(string snapshotId, CancellationToken ct) =>
        SnapshotIds.IsGiven(snapshotId)
            ? await SnapshotExistsAsync(snapshotId, ct).ConfigureAwait(false)
            : await Blobs.ReadAsync(SnapshotBlobLayout.FileName(snapshotId, SnapshotFolderMarker.FileName), ct).ConfigureAwait(false) is not null;

    /// <summary>Whether anything of the snapshot is stored: a blob under its prefix.</summary>
    private protected virtual async Task<bool> SnapshotExistsAsync(string snapshotId, CancellationToken ct) =>
        (await Blobs.ListAsync(SnapshotBlobLayout.SnapshotFolder(snapshotId), ct).ConfigureAwait(false)).Count > 0;

    /// <summary>Deletes every blob of the snapshot, the manifest first (see <see cref="DeletionOrder"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">No blob of that id exists.</exception>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when the file system refuses to delete a file (<see cref="RemovalRefused"/>); an object store's translated failures.</exception>
    public virtual async Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct)
    {
        var folder = SnapshotBlobLayout.SnapshotFolder(snapshotId);
        var names = (await Blobs.ListAsync(folder, ct).ConfigureAwait(false)).ToList();
        if (names.Count == 0)
            throw new DirectoryNotFoundException($"Snapshot '{snapshotId}' does not exist in '{Location}'.");
        var removed = 0;
        foreach (var name in DeletionOrder(snapshotId, names))
        {
            try { await Blobs.DeleteAsync(name, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw RemovalRefused(snapshotId, LocalPath(snapshotId, name[folder.Length..]) ?? $"{Location}/{name}", removed > 0, e);
            }
            removed++;
        }
    }

    /// <summary>
    /// The error of a removal the file system refused (permissions, an immutable file, read-only media): it names the
    /// file, says what the removal left (<see cref="DeletionOrder"/>: nothing when it was the first file; otherwise the
    /// manifest went first, so what is left is listed as incomplete, never as a complete snapshot) and what to check.
    /// </summary>
    /// <param name="removedBefore">Whether any of the snapshot's files were deleted before this one.</param>
    private protected MongoBackupException RemovalRefused(string snapshotId, string file, bool removedBefore, Exception error) =>
        new(ErrorIds.RepositoryNotWritable,
            $"Cannot remove snapshot {snapshotId} from {Location}: {file} cannot be deleted ({error.Message}). " +
            (!removedBefore
                ? "Nothing of the snapshot was removed. "
                : "Part of it was removed, its manifest first, so what is left is listed as an incomplete snapshot, " +
                  "never as a complete one with files missing; remove it again once the file can be deleted. ") +
            "Check that the account running this may delete files in that folder (its owner and permissions), and that the file is " +
            "not immutable and the folder not on read-only media.", error, file);

    /// <summary>
    /// The order a removal deletes a snapshot's blobs in: the manifest first, so a removal cut short leaves an incomplete
    /// snapshot, never a "complete" one with files missing; its marker (<see cref="SnapshotFolderMarker"/>) last, so what
    /// such a removal leaves is still listed as a snapshot (a folder without a manifest is one only when named as a
    /// backup names it or marked, and a copy keeps its source's id, which may be of neither form) and can be removed again.
    /// </summary>
    internal static IEnumerable<string> DeletionOrder(string snapshotId, IEnumerable<string> names)
    {
        var manifest = SnapshotBlobLayout.ManifestName(snapshotId);
        var marker = SnapshotBlobLayout.FileName(snapshotId, SnapshotFolderMarker.FileName);
        return names.OrderBy(name => name == manifest ? 0 : name == marker ? 2 : 1).ThenBy(name => name, StringComparer.Ordinal);
    }

    /// <summary>One listing of the snapshot's prefix.</summary>
    public async Task<IReadOnlySet<string>?> ListFilesAsync(string snapshotId, CancellationToken ct)
    {
        var folder = SnapshotBlobLayout.SnapshotFolder(snapshotId);
        return (await Blobs.ListAsync(folder, ct).ConfigureAwait(false)).Select(n => n[folder.Length..]).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A mark is one small object, uploaded whole; the caller checks afterwards that the snapshot still exists.</summary>
    public virtual async Task<bool> WriteMarkAsync(string snapshotId, string name, string content, CancellationToken ct)
    {
        var stream = await Blobs.OpenWriteAsync(SnapshotBlobLayout.FileName(snapshotId, name), ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
            await stream.WriteAsync(Encoding.UTF8.GetBytes(content), ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>The marks of a snapshot whose names start with <paramref name="prefix"/>, with their content.</summary>
    public async Task<IReadOnlyList<(string Name, string Content)>> ReadMarksAsync(string snapshotId, string prefix, CancellationToken ct)
    {
        var folder = SnapshotBlobLayout.SnapshotFolder(snapshotId);
        var marks = new List<(string, string)>();
        foreach (var name in await Blobs.ListAsync(folder + prefix, ct).ConfigureAwait(false))
            if (await Blobs.ReadAsync(name, ct).ConfigureAwait(false) is { } stored)
                marks.Add((name[folder.Length..], stored.Text));
        return marks;
    }

    /// <summary>One GET of the mark; null when it is not there.</summary>
    public async Task<string?> ReadMarkAsync(string snapshotId, string name, CancellationToken ct) =>
        (await Blobs.ReadAsync(SnapshotBlobLayout.FileName(snapshotId, name), ct).ConfigureAwait(false))?.Text;

    /// <summary>Removes one mark; removing one that is gone is not an error.</summary>
    public Task DeleteMarkAsync(string snapshotId, string name, CancellationToken ct) =>
        Blobs.DeleteAsync(SnapshotBlobLayout.FileName(snapshotId, name), ct);

    /// <summary>The ids of every snapshot "folder" below the root, complete or not, in any order: a full listing, unless a store lists folders faster.</summary>
    private protected virtual async Task<List<string>> ListSnapshotIdsAsync(CancellationToken ct) =>
        // A full listing rather than a delimited one: some S3-compatible stores (s3rver among them) omit common
        // prefixes that hold no object directly, which would hide an upload cut off before its manifest.
        (await Blobs.ListAsync("", ct).ConfigureAwait(false))
            .Select(SnapshotBlobLayout.IdOfName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Why a snapshot with no manifest is unfinished, as listings say it.</summary>
    private protected virtual string MissingManifestReason(string snapshotId) =>
        $"Snapshot '{snapshotId}' in '{Location}' has no {SnapshotManifest.FileName}: the backup did not finish.";

    private async Task<ManifestReadResult> ReadStoredManifestAsync(string id, CancellationToken ct)
    {
        try
        {
            var json = (await Blobs.ReadAsync(SnapshotBlobLayout.ManifestName(id), ct).ConfigureAwait(false))?.Text;
            if (json is null) return ManifestReadResult.Missing(id, MissingManifestReason(id));
            var manifest = SnapshotManifest.Deserialize(json, Layout.ManifestDisplayName(id));
            // Files, and an encrypted snapshot's keys, are bound to the id: a manifest that names another snapshot (a
            // folder or prefix copied under another name, an edit) is damaged, listed under its own name, never as the
            // snapshot it names, so nothing done to this entry (a removal above all) reaches that snapshot's folder.
            if (manifest.Id != id)
                return ManifestReadResult.Damaged(id,
                    $"The {Layout.ManifestDisplayName(id)} names snapshot '{manifest.Id}', not '{id}': it was changed or damaged, or copied here under another name.");
            return new ManifestReadResult(id, manifest, null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The manifest was committed, so the backup finished: its data may be whole. Damaged, never "unfinished".
            return ManifestReadResult.Damaged(id, e.Message);
        }
    }
}
