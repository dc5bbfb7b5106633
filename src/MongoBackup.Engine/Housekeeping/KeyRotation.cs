using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Moves snapshots from one user key to another by re-wrapping each snapshot's data key and rewriting only its
/// manifest: the encrypted data files are never read or rewritten, so a rotation is quick and cannot damage data.
/// A new passphrase is stretched with the repository's salt, as a backup's is (<see cref="EncryptionKeySource.ForNewSnapshotAsync"/>),
/// so one passphrase has one fingerprint everywhere in a repository: in its snapshots, in a -WhatIf plan, in its settings' pin.
/// </summary>
public sealed class KeyRotation
{
    private readonly EncryptionKeySource _current;
    private readonly KeyEncryptionKey _replacement;

    private KeyRotation(EncryptionKeySource current, KeyEncryptionKey replacement)
    {
        _current = current;
        _replacement = replacement;
    }

    /// <summary>
    /// A rotation in the catalog's repository from <paramref name="current"/> to <paramref name="replacement"/>: a
    /// passphrase is stretched with the salt the repository's settings record, else the one its snapshots share.
    /// </summary>
    /// <exception cref="MongoBackupException">The key sources' errors (a missing key file, a short passphrase); CorruptFile for damaged settings.</exception>
    public static async Task<KeyRotation> ForRepositoryAsync(EncryptionKeySource current, EncryptionKeySource replacement, SnapshotCatalog catalog,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        ArgumentNullException.ThrowIfNull(catalog);
        var settings = await RepositorySettingsStore.ReadAsync(catalog.Repository, ct).ConfigureAwait(false);
        return new KeyRotation(current, await replacement.ForNewSnapshotAsync(catalog, settings, ct).ConfigureAwait(false));
    }

    /// <summary>The fingerprint rotated snapshots will carry.</summary>
    public string NewFingerprint => _replacement.Fingerprint;

    /// <summary>The key snapshots are re-wrapped under (its fingerprint, and for a passphrase its salt, go into the settings' pin).</summary>
    internal KeyEncryptionKey Replacement => _replacement;

    /// <summary>The key the snapshots are under now.</summary>
    internal EncryptionKeySource Current => _current;

    /// <summary>Whether the snapshot is under the rotation's current key (compared as keys, whatever salt the snapshot was written with).</summary>
    public bool IsUnderCurrentKey(SnapshotManifest manifest) => manifest.Encryption is { } encryption && _current.IsKeyOf(encryption);

    /// <summary>Refuses, as the rotation would, when the current key does not open the snapshot; nothing is written.</summary>
    public void CheckCurrentKey(SnapshotManifest manifest)
    {
        using var dataKey = SnapshotEncryption.Open(manifest, _current);
    }

    /// <summary>Whether the snapshot needs rotating: it is encrypted, and not already under the new key.</summary>
    public bool Applies(SnapshotManifest manifest) =>
        manifest.Encryption is { } encryption
        && !string.Equals(encryption.KeyId, _replacement.Fingerprint, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Re-wraps the snapshot's data key under the new key and commits the rewritten manifest. A wrong current key
    /// fails with WrongEncryptionKey before anything is written.
    /// </summary>
    public async Task<SnapshotManifest> RotateAsync(ISnapshotRepository repository, SnapshotManifest manifest, CancellationToken ct)
    {
        if (manifest.Encryption is null)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"Snapshot {manifest.Id} is not encrypted; there is no key to rotate.", target: manifest.Id);
        var listed = manifest.Serialize();
        using var dataKey = SnapshotEncryption.Open(manifest, _current)!;
        manifest.Encryption = new ManifestEncryption(manifest.Encryption.Algorithm, _replacement.Fingerprint, dataKey.Wrap(_replacement, manifest.Id))
        {
            Kdf = _replacement.Kdf,
            KdfSalt = _replacement.Salt is null ? null : Convert.ToBase64String(_replacement.Salt),
            KdfIterations = _replacement.Iterations,
        };
        // The new wrap marks the manifest as sealed, and the seal covers the new wrap: an old snapshot is sealed from now on.
        ManifestSealer.Seal(manifest, dataKey);
        await RequireUnchangedAsync(repository, manifest.Id, listed, ct).ConfigureAwait(false);
        try
        {
            await repository.CommitManifestAsync(manifest, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, repository.Location, $"the manifest of snapshot {manifest.Id}") is { } described)
        {
            throw described;
        }
        return manifest;
    }

    /// <summary>
    /// The manifest is replaced only while it is still the one the rotation listed: a snapshot removed meanwhile (by
    /// Remove-MongoSnapshot or retention in another session) must not come back as a manifest without its files, and one
    /// another rotation rewrote must stay under that rotation's key. The check is read-then-write: it narrows the window
    /// to the moment between this read and the write, which the repositories' manifest replace cannot close.
    /// </summary>
    private static async Task RequireUnchangedAsync(ISnapshotRepository repository, string id, string listed, CancellationToken ct)
    {
        var stored = await repository.ReadManifestAsync(id, ct).ConfigureAwait(false);
        if (stored is { State: ManifestState.Damaged })
            throw new MongoBackupException(ErrorIds.SnapshotDamaged,
                $"The manifest of snapshot {id} in {repository.Location} was damaged since it was listed ({stored.Error}); its key was not rotated.", target: id);
        if (stored?.Manifest is null)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"Snapshot {id} is no longer in {repository.Location} (removed since it was listed); its key was not rotated and nothing was written.", target: id);
        if (!string.Equals(stored.Manifest.Serialize(), listed, StringComparison.Ordinal))
            throw new MongoBackupException(ErrorIds.SnapshotExists,
                $"The manifest of snapshot {id} in {repository.Location} changed since it was listed (another Update-MongoSnapshotKey, perhaps); " +
                $"it was left as it is now, under key {stored.Manifest.Encryption?.KeyId ?? "none"}. List it again to rotate it.", target: id);
    }
}
