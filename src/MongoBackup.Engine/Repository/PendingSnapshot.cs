using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A snapshot being written, from its id to its manifest: the one life cycle every writer (a full backup, an oplog
/// slice, a continuous capture's slices, a copy) goes through.
/// <list type="number">
/// <item>The id is reserved in the repository (<see cref="ISnapshotRepository.TryReserveAsync"/>, a create-if-absent) before
/// any file is written; a new snapshot whose id is taken draws another suffix, a copy (which keeps its id) is refused.
/// From then until the commit or abandon the writer holds a renewed writer mark (<see cref="SnapshotReadLease.AcquireWriterAsync"/>)
/// that removals, forced copies and retention refuse to go past.</item>
/// <item>Files are written through <see cref="Files"/> (encrypted with the data key made for this id, when asked).</item>
/// <item><see cref="CommitAsync"/> checks every file is still stored (<see cref="CommittedFilesCheck"/>), then commits the manifest with <see cref="ISnapshotRepository.CommitNewManifestAsync"/>, which never
/// replaces another manifest; the snapshot exists from then on.</item>
/// <item>Until then, <see cref="AbandonAsync"/> (or disposing) deletes everything written under the id. It never throws: a
/// clean-up that fails is reported as a warning, so the error that made the writer give up is the one the user sees.</item>
/// </list>
/// </summary>
public sealed class PendingSnapshot : IAsyncDisposable
{
    /// <summary>How many ids a new snapshot tries before giving up: a 16-bit suffix makes even two collisions in a row rare.</summary>
    internal const int MaxIdAttempts = 16;

    private readonly ISnapshotRepository _repository;
    private readonly DataKey? _dataKey;
    private readonly bool _isCopy;
    private readonly Action<string> _warn;
    private readonly SnapshotReadLease? _writerMark;
    private bool _ended;

    private PendingSnapshot(ISnapshotRepository repository, string id, SnapshotReadLease? writerMark, SnapshotFileSet? files, DataKey? dataKey,
        ManifestEncryption? encryption, bool isCopy, Action<string> warn)
    {
        _repository = repository;
        _writerMark = writerMark;
        Id = id;
        Files = files;
        _dataKey = dataKey;
        Encryption = encryption;
        _isCopy = isCopy;
        _warn = warn;
    }

    /// <summary>The reserved snapshot id, e.g. "20261124T221500Z-full-3f9a".</summary>
    public string Id { get; }

    /// <summary>The files of a new snapshot (null for a copy, whose files are written as stored, through the repository).</summary>
    public SnapshotFileSet? Files { get; }

    /// <summary>The manifest's encryption entry for a new encrypted snapshot; null when it is not encrypted (or a copy).</summary>
    public ManifestEncryption? Encryption { get; }

    /// <summary>True once the manifest is committed: the snapshot exists and is no longer this writer's to remove.</summary>
    public bool IsCommitted { get; private set; }

    /// <summary>
    /// Reserves an id for a new snapshot started at <paramref name="started"/> and prepares its files. The repository's
    /// settings are checked (and the key-encryption key derived) before anything is written, unless the run hands on the key
    /// it judged (<see cref="NewSnapshotOptions.Admitted"/>).
    /// </summary>
    /// <param name="catalog">The command's catalog of the repository to write to (a passphrase's salt comes from it).</param>
    /// <param name="kind">The id's kind part: "full" or "oplog".</param>
    /// <param name="started">When the run started: the id's time part, to the second, in UTC.</param>
    /// <param name="options">Compression, key source, when to abandon files unfinished, where ids come from.</param>
    /// <param name="warn">Where a clean-up failure is reported (the command's warnings).</param>
    /// <param name="ct">Cancels the reservation and the key's derivation; the files' writes take their own token.</param>
    /// <exception cref="MongoBackupException">
    /// EncryptionKeyRequired or WrongEncryptionKey (the settings refuse the key); RepositoryNotWritable (read-only repository);
    /// SnapshotExists when <see cref="MaxIdAttempts"/> ids in a row are taken; the store's translated failures.
    /// </exception>
    public static async Task<PendingSnapshot> StartNewAsync(SnapshotCatalog catalog, string kind, DateTimeOffset started,
        NewSnapshotOptions options, Action<string> warn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        var repository = catalog.Repository;
        var kek = options.Admitted is { } admitted ? admitted.Key : await SnapshotKeys.KeyEncryptionKeyForNewAsync(
            options.Encryption, catalog, kind == "oplog" ? "this oplog slice" : $"this {kind} backup", options.ChainOf, warn, ct).ConfigureAwait(false);
        var (id, writerMark) = await ReserveNewIdAsync(repository, kind, started, options.Ids, warn, ct).ConfigureAwait(false);
        var (dataKey, entry) = kek is null ? ((DataKey?)null, (ManifestEncryption?)null) : SnapshotEncryption.ForNewSnapshot(kek, id);
        var files = new SnapshotFileSet(repository, id, options.Compression, dataKey, options.CompressionLevel, options.AbandonWhen);
        return new PendingSnapshot(repository, id, writerMark, files, dataKey, entry, isCopy: false, warn);
    }

    /// <summary>Reserves <paramref name="snapshotId"/> on <paramref name="destination"/> for a copy, which keeps its source's id.</summary>
    /// <exception cref="MongoBackupException">SnapshotExists when the destination holds anything of that id (or another writer reserved it first).</exception>
    public static async Task<PendingSnapshot> StartCopyAsync(ISnapshotRepository destination, string snapshotId, Action<string> warn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!await destination.TryReserveAsync(snapshotId, ct).ConfigureAwait(false))
            throw new MongoBackupException(ErrorIds.SnapshotExists,
                $"{destination.Location} already holds a snapshot (or a backup or copy still running) named {snapshotId}; use -Force to replace it.",
                target: snapshotId);
        var writerMark = await MarkReservedAsync(destination, snapshotId, "copy", warn, ct).ConfigureAwait(false);
        return new PendingSnapshot(destination, snapshotId, writerMark, null, null, null, isCopy: true, warn);
    }

    /// <summary>
    /// Commits <paramref name="manifest"/> (whose <see cref="SnapshotManifest.Id"/> must be <see cref="Id"/>). A new
    /// snapshot's manifest gets the files written through <see cref="Files"/> and the encryption entry, each file is bound
    /// to its namespace and the manifest sealed (<see cref="SnapshotCommit"/>); a copy's manifest is committed as read.
    /// On failure the snapshot is removed (see <see cref="AbandonAsync"/>) and the commit's error is thrown.
    /// </summary>
    /// <exception cref="MongoBackupException">SnapshotExists when another manifest of this id is there; the store's translated failures.</exception>
    public async Task<SnapshotManifest> CommitAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Id != Id) throw new ArgumentException($"The manifest is of snapshot {manifest.Id}, not {Id}.", nameof(manifest));
        ObjectDisposedException.ThrowIf(_ended, this);
        try
        {
            if (!_isCopy)
            {
                manifest.Files = Files!.Files.ToList();
                manifest.Encryption = Encryption;
                SnapshotCommit.Prepare(manifest, _dataKey);
            }
            await CommittedFilesCheck.RequireStoredAsync(_repository, Id, manifest.Files, ct).ConfigureAwait(false);
            await _repository.CommitNewManifestAsync(manifest, ct).ConfigureAwait(false);
            IsCommitted = true;
            _ended = true;
            _dataKey?.Dispose();
            await ReleaseWriterMarkAsync().ConfigureAwait(false);
            if (Encryption is { } entry) await SnapshotKeys.WarnIfPinMovedAsync(_repository, Id, entry, _warn, ct).ConfigureAwait(false);
            return manifest;
        }
        catch (Exception e) when (e is not MongoBackupException { ErrorId: ErrorIds.SnapshotExists })
        {
            await AbandonAsync().ConfigureAwait(false);
            throw;
        }
        catch
        {
            // Another writer's manifest holds the id: what this writer wrote under it is not removed over theirs.
            _ended = true;
            _dataKey?.Dispose();
            await ReleaseWriterMarkAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Deletes what was written under the id (not cancellable: a stopped run must not leave half a snapshot). Never
    /// throws: when the store refuses, a warning names what is left (it has no manifest, so it lists as unfinished and
    /// is never restored). True when nothing is left.
    /// </summary>
    public async Task<bool> AbandonAsync()
    {
        if (_ended) return !IsCommitted;
        _ended = true;
        _dataKey?.Dispose();
        // Renewal stops first, so no renewed mark lands in the folder being deleted.
        await ReleaseWriterMarkAsync().ConfigureAwait(false);
        try
        {
            await _repository.DeleteSnapshotAsync(Id, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true; // nothing was written under it
        }
        catch (Exception cleanup)
        {
            _warn($"The unfinished snapshot {Id} could not be removed from {_repository.Location}: {cleanup.Message}. " +
                "It has no manifest, so it lists as incomplete and is never restored; remove it with Remove-MongoSnapshot.");
            return false;
        }
    }

    /// <summary>Abandons the snapshot unless it was committed.</summary>
    public async ValueTask DisposeAsync() => await AbandonAsync().ConfigureAwait(false);

    /// <summary>The writer mark on a reservation just made; when it cannot be taken (a removal met it, a cancel), the reservation is dropped.</summary>
    private static async Task<SnapshotReadLease?> MarkReservedAsync(ISnapshotRepository repository, string id, string purpose, Action<string> warn,
        CancellationToken ct)
    {
        try { return await SnapshotReadLease.AcquireWriterAsync(repository, id, purpose, warn, ct).ConfigureAwait(false); }
        catch
        {
            await new PendingSnapshot(repository, id, null, null, null, null, isCopy: true, warn).AbandonAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReleaseWriterMarkAsync()
    {
        if (_writerMark is not null) await _writerMark.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<(string Id, SnapshotReadLease? WriterMark)> ReserveNewIdAsync(ISnapshotRepository repository, string kind,
        DateTimeOffset started, SnapshotIdSource ids, Action<string> warn, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxIdAttempts; attempt++)
        {
            var id = ids.Next(started, kind);
            if (!await repository.TryReserveAsync(id, ct).ConfigureAwait(false)) continue;
            // A removal of unfinished snapshots that met the reservation as it was made took it: draw another id.
            try { return (id, await MarkReservedAsync(repository, id, $"{kind} backup", warn, ct).ConfigureAwait(false)); }
            catch (MongoBackupException e) when (e.ErrorId == ErrorIds.SnapshotNotFound) { }
        }
        throw new MongoBackupException(ErrorIds.SnapshotExists,
            $"{MaxIdAttempts} snapshot ids in a row for a {kind} snapshot started at {started:u} were taken in {repository.Location}; nothing was written.",
            target: repository.Location);
    }
}
