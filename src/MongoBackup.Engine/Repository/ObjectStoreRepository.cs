using System.Runtime.CompilerServices;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// What a repository in an object store (Azure Blob Storage, S3) decides the same way whatever the store: how
/// snapshots are listed, how a manifest's absence or damage is reported, in what order a snapshot is deleted.
/// A store supplies the few calls that differ: listing names, reading one object, deleting one object, and turning
/// its SDK's failures into <see cref="MongoBackupException"/>s.
/// </summary>
public abstract class ObjectStoreRepository : ISnapshotRepository, ILeasableRepository, IRepositorySettingsStore, ISnapshotMarks
{
    private protected ObjectStoreRepository(RepositoryLocation location)
    {
        ParsedLocation = location;
        Layout = new ObjectStoreLayout(location);
    }

    private protected RepositoryLocation ParsedLocation { get; }

    private protected ObjectStoreLayout Layout { get; }

    public string Location => ParsedLocation.ToString();

    public abstract Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct);

    public abstract Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct);

    public abstract Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct);

    public abstract Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct);

    /// <summary>The lease object PREFIX/.mongobackup-lease under conditional writes (see <see cref="ConditionalObjectLease"/>); listing never sees it.</summary>
    public Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, CancellationToken ct) =>
        TryAcquireLeaseAsync(holderId, duration, TimeProvider.System, ct);

    /// <summary>The object PREFIX/.mongobackup-settings.json; at the root, so listing never takes it for a snapshot.</summary>
    public async Task<RepositorySettings?> ReadSettingsAsync(CancellationToken ct) =>
        await RootObject(RepositorySettings.FileName).ReadAsync(ct).ConfigureAwait(false) is { } stored
            ? RepositorySettings.Deserialize(stored.Text, $"{Location}/{RepositorySettings.FileName}")
            : null;

    /// <summary>Written with a conditional write, so two writers at once cannot both think they set the settings.</summary>
    public async Task WriteSettingsAsync(RepositorySettings settings, CancellationToken ct)
    {
        var store = RootObject(RepositorySettings.FileName);
        var existing = await store.ReadAsync(ct).ConfigureAwait(false);
        var written = existing is null
            ? await store.TryCreateAsync(settings.Serialize(), ct).ConfigureAwait(false)
            : await store.TryReplaceAsync(settings.Serialize(), existing.ETag, ct).ConfigureAwait(false);
        if (written is null)
            throw new MongoBackupException(ErrorIds.RepositoryNotWritable,
                $"The settings of {Location} were changed by someone else while these were written; read them again and retry.", target: Location);
    }

    /// <summary>An object at the repository's root (beside the snapshot "folders"), read and written under ETag conditions.</summary>
    private protected IConditionalObjectStore RootObject(string name) => ConditionalObject(Layout.Root + name, $"{Location}/{name}");

    /// <summary>The object <paramref name="key"/>, read and written under ETag conditions; <paramref name="displayName"/> names it in messages.</summary>
    private protected abstract IConditionalObjectStore ConditionalObject(string key, string displayName);

    /// <summary>
    /// Creates PREFIX/&lt;id&gt;/.mongobackup-snapshot with If-None-Match: *; false when any object of that id exists
    /// already, or another writer's conditional create won. On a store that ignores the condition (see
    /// <see cref="S3ConditionalWriteProbe"/>) only the listing before it keeps writers apart.
    /// </summary>
    public async Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct)
    {
        var folder = Layout.SnapshotFolder(snapshotId);
        var existing = await TranslateFailuresAsync(() => ListNamesAsync(folder, ct), snapshotId).ConfigureAwait(false);
        if (existing.Count > 0) return false;
        var marker = ConditionalObject(Layout.FileKey(snapshotId, SnapshotFolderMarker.FileName), $"{Location}/{snapshotId}/{SnapshotFolderMarker.FileName}");
        return await marker.TryCreateAsync(System.Text.Encoding.UTF8.GetString(SnapshotFolderMarker.Content(snapshotId)), ct).ConfigureAwait(false) is not null;
    }

    /// <summary>One conditional PUT (If-None-Match: *) of PREFIX/&lt;id&gt;/manifest.json: it appears whole, and never over another.</summary>
    public async Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var store = ConditionalObject(Layout.ManifestKey(manifest.Id), Layout.ManifestDisplayName(manifest.Id));
        if (await store.TryCreateAsync(manifest.Serialize(), ct).ConfigureAwait(false) is null)
            throw ISnapshotRepository.SnapshotManifestExists(manifest.Id, Location);
    }

    /// <summary>Objects have no local path.</summary>
    public string? LocalPath(string snapshotId, string relativePath) => null;

    public async IAsyncEnumerable<ManifestReadResult> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var ids = await TranslateFailuresAsync(() => ListSnapshotIdsAsync(ct), null).ConfigureAwait(false);
        ids.Sort(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            ct.ThrowIfCancellationRequested();
            yield return await ReadStoredManifestAsync(id, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One GET of the manifest; only when it is missing, a listing of that snapshot's own prefix tells an unfinished snapshot from none.</summary>
    public async Task<ManifestReadResult?> ReadManifestAsync(string snapshotId, CancellationToken ct)
    {
        var found = await ReadStoredManifestAsync(snapshotId, ct).ConfigureAwait(false);
        if (found.State != ManifestState.Missing) return found;
        var folder = Layout.SnapshotFolder(snapshotId);
        var names = await TranslateFailuresAsync(() => ListNamesAsync(folder, ct), snapshotId).ConfigureAwait(false);
        return names.Count > 0 ? found : null;
    }

    public async Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct)
    {
        var folder = Layout.SnapshotFolder(snapshotId);
        await TranslateFailuresAsync(async () =>
        {
            var names = await ListNamesAsync(folder, ct).ConfigureAwait(false);
            if (names.Count == 0)
                throw new DirectoryNotFoundException($"Snapshot '{snapshotId}' does not exist in '{Location}'.");
            // The manifest goes first: a deletion cut short leaves an incomplete snapshot, never a "complete" one with files missing.
            var manifest = Layout.ManifestKey(snapshotId);
            if (names.Remove(manifest)) await DeleteObjectAsync(manifest, ct).ConfigureAwait(false);
            foreach (var name in names) await DeleteObjectAsync(name, ct).ConfigureAwait(false);
            return true;
        }, snapshotId).ConfigureAwait(false);
    }

    /// <summary>A mark is one small object, uploaded whole; the caller checks afterwards that the snapshot still exists.</summary>
    public async Task<bool> WriteMarkAsync(string snapshotId, string name, string content, CancellationToken ct)
    {
        var writer = await CreateFileAsync(snapshotId, name, ct).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(content), ct).ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyList<(string Name, string Content)>> ReadMarksAsync(string snapshotId, string prefix, CancellationToken ct)
    {
        var folder = Layout.SnapshotFolder(snapshotId);
        var names = await TranslateFailuresAsync(() => ListNamesAsync(folder + prefix, ct), snapshotId).ConfigureAwait(false);
        var marks = new List<(string, string)>();
        foreach (var key in names)
            if (await ReadTextOrNullAsync(key, ct).ConfigureAwait(false) is { } content)
                marks.Add((key[folder.Length..], content));
        return marks;
    }

    public Task DeleteMarkAsync(string snapshotId, string name, CancellationToken ct) =>
        TranslateFailuresAsync(async () =>
        {
            await DeleteObjectAsync(Layout.FileKey(snapshotId, name), ct).ConfigureAwait(false);
            return true;
        }, name);

    /// <summary>The ids of every snapshot "folder" below the root, complete or not, in any order.</summary>
    private protected abstract Task<List<string>> ListSnapshotIdsAsync(CancellationToken ct);

    /// <summary>Every object name that starts with the prefix.</summary>
    private protected abstract Task<List<string>> ListNamesAsync(string prefix, CancellationToken ct);

    private protected abstract Task DeleteObjectAsync(string name, CancellationToken ct);

    /// <summary>An object's content as text, or null when the object does not exist; store failures are translated.</summary>
    private protected abstract Task<string?> ReadTextOrNullAsync(string name, CancellationToken ct);

    /// <summary>Runs store calls, turning the SDK's failures into errors that name the location and the object, never a secret.</summary>
    private protected abstract Task<T> TranslateFailuresAsync<T>(Func<Task<T>> operation, string? name);

    private async Task<ManifestReadResult> ReadStoredManifestAsync(string id, CancellationToken ct)
    {
        var json = await ReadTextOrNullAsync(Layout.ManifestKey(id), ct).ConfigureAwait(false);
        if (json is null)
            return ManifestReadResult.Missing(id, $"Snapshot '{id}' in '{Location}' has no {SnapshotManifest.FileName}: the backup did not finish.");
        try
        {
            return new ManifestReadResult(id, SnapshotManifest.Deserialize(json, Layout.ManifestDisplayName(id)), null);
        }
        catch (InvalidDataException e)
        {
            // The manifest was committed, so the backup finished: its data may be whole. Damaged, never "unfinished".
            return ManifestReadResult.Damaged(id, e.Message);
        }
    }
}
