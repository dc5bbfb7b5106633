using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Moves snapshots from one user key to another by re-wrapping each snapshot's data key and rewriting only its
/// manifest: the encrypted data files are never read or rewritten, so a rotation is quick and cannot damage data.
/// One new key serves the whole rotation, so every manifest rotated together shares one passphrase salt.
/// </summary>
public sealed class KeyRotation
{
    private readonly EncryptionKeySource _current;
    private readonly KeyEncryptionKey _replacement;

    /// <summary>
    /// A rotation from <paramref name="current"/> to <paramref name="replacement"/> (for a passphrase, a new salt is drawn once).
    /// </summary>
    public KeyRotation(EncryptionKeySource current, EncryptionKeySource replacement)
    {
        _current = current;
        _replacement = replacement.ForRotation();
    }

    /// <summary>The fingerprint rotated snapshots will carry.</summary>
    public string NewFingerprint => _replacement.Fingerprint;

    /// <summary>
    /// Whether the new key is derived from a passphrase with a salt drawn for this rotation, so another run (a -WhatIf
    /// before the real one) gets another fingerprint; a key file's fingerprint is always the same.
    /// </summary>
    public bool NewFingerprintIsPerRun => _replacement.Salt is not null;

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
