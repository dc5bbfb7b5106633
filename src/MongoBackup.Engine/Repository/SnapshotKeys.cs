using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The key a new snapshot's data key is wrapped with, or none when it is not encrypted; refused, before anything is
/// written, when the repository's settings require encryption or another key (<see cref="PendingSnapshot"/> asks it).
/// </summary>
public static class SnapshotKeys
{
    /// <summary>
    /// The key-encryption key a new snapshot's data key is wrapped with (null: not encrypted), once the repository's
    /// settings admit it; the data key itself is made per snapshot id (<see cref="SnapshotEncryption.ForNewSnapshot"/>).
    /// </summary>
    /// <param name="source">The key source, or null for an unencrypted snapshot.</param>
    /// <param name="catalog">The command's catalog: a passphrase without a salt in the settings takes the one its snapshots share.</param>
    /// <param name="ct">Cancels reading the settings and the catalog.</param>
    /// <param name="what">Names the new snapshot in a refusal, e.g. "snapshot 20261124T221500Z-full-3f9a" or "a new oplog slice".</param>
    /// <param name="chainOf">For an oplog slice, which snapshots are of its chain (<see cref="UnencryptedChainCheck"/>); null for a full backup.</param>
    /// <param name="warn">Where a full backup without a key into a repository whose newest snapshot is encrypted is warned about.</param>
    /// <exception cref="MongoBackupException">EncryptionKeyRequired or WrongEncryptionKey when the settings refuse it, EncryptionKeyRequired
    /// for a slice without a key whose chain base is encrypted, WrongEncryptionKey for a slice under a key that does not open its
    /// encrypted chain (<see cref="ChainKeyCheck"/>); InvalidArgument for a passphrase shorter than 12 characters that is a new
    /// key here (<see cref="IsInUseAsync"/>); the key source's own errors.</exception>
    public static async Task<KeyEncryptionKey?> KeyEncryptionKeyForNewAsync(EncryptionKeySource? source, SnapshotCatalog catalog, string what,
        SourceChain? chainOf, Action<string> warn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var settings = await RepositorySettingsStore.ReadAsync(catalog.Repository, ct);
        var kek = source is null ? null : await source.ForNewSnapshotAsync(catalog, settings, ct);
        if (settings?.Refusal(kek?.Fingerprint, catalog.Repository.Location, what) is { } refusal) throw refusal;
        if (kek is null) UnencryptedChainCheck.Check(await catalog.CompleteAsync(ct), chainOf, catalog.Repository.Location, what, warn);
        else if (chainOf is not null) ChainKeyCheck.Check(source!, await catalog.CompleteAsync(ct), chainOf, catalog.Repository.Location, what);
        if (kek is not null && source!.SinglePassphrase is { } passphrase && passphrase.Length < KeyEncryptionKey.MinimumPassphraseLength
            && !await IsInUseAsync(kek, settings, catalog, ct))
            KeyEncryptionKey.RequireLongEnough(passphrase, await OtherKeysNoteAsync(catalog, ct));
        return kek;
    }

    /// <summary>
    /// For a passphrase refused as too short: the keys the repository's snapshots are under, which it is not (so a mistyped
    /// passphrase for one of them is told apart from a new key); null when it holds no encrypted snapshot.
    /// </summary>
    private static async Task<string?> OtherKeysNoteAsync(SnapshotCatalog catalog, CancellationToken ct)
    {
        var keys = (await catalog.CompleteAsync(ct)).Select(s => s.Encryption?.KeyId).OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return keys.Count == 0 ? null
            : $"It is not the key of the snapshots already in {catalog.Repository.Location} (key {string.Join(", ", keys)}), so it would be a new key: " +
              "if you meant theirs, check the passphrase.";
    }

    /// <summary>
    /// Whether <paramref name="kek"/> is a key the repository already uses (its settings pin it, or a complete snapshot is
    /// under it): a command that pins or writes under it takes it whatever its length.
    /// </summary>
    public static async Task<bool> IsInUseAsync(KeyEncryptionKey kek, SnapshotCatalog catalog, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return await IsInUseAsync(kek, await RepositorySettingsStore.ReadAsync(catalog.Repository, ct).ConfigureAwait(false), catalog, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="kek"/> is a key the repository already uses (its settings pin it, or a complete snapshot is
    /// under it). Only a key not in use is new, and held to the length rule for a new passphrase
    /// (<see cref="KeyEncryptionKey.RequireLongEnough"/>): the pin and the chain are judged first, so a short passphrase
    /// where an existing key is expected (a slice continuing an encrypted chain, a pinned repository) is reported as the
    /// wrong key, not as too short.
    /// </summary>
    private static async Task<bool> IsInUseAsync(KeyEncryptionKey kek, RepositorySettings? settings, SnapshotCatalog catalog, CancellationToken ct) =>
        string.Equals(settings?.KeyId, kek.Fingerprint, StringComparison.OrdinalIgnoreCase)
        || (await catalog.CompleteAsync(ct)).Any(s => string.Equals(s.Encryption?.KeyId, kek.Fingerprint, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// As <see cref="KeyEncryptionKeyForNewAsync"/>, the key kept as judged, to hand on to the snapshot it was judged for
    /// (<see cref="NewSnapshotOptions.Admitted"/>) so that <see cref="PendingSnapshot"/> does not read the settings and derive it again.
    /// </summary>
    /// <exception cref="MongoBackupException">As <see cref="KeyEncryptionKeyForNewAsync"/>.</exception>
    public static async Task<AdmittedKey> AdmitAsync(EncryptionKeySource? source, SnapshotCatalog catalog, string what,
        SourceChain? chainOf, Action<string> warn, CancellationToken ct) =>
        new(await KeyEncryptionKeyForNewAsync(source, catalog, what, chainOf, warn, ct).ConfigureAwait(false));

    /// <summary>
    /// Why a new snapshot written with <paramref name="source"/> would be refused, judged as <see cref="KeyEncryptionKeyForNewAsync"/>
    /// judges it (the settings, and for a slice its chain); null when it would be admitted. For a dry run.
    /// </summary>
    public static Task<MongoBackupException?> RefusalForNewAsync(EncryptionKeySource? source, SnapshotCatalog catalog, string what,
        SourceChain? chainOf, CancellationToken ct) =>
        RefusalOfAsync(() => KeyEncryptionKeyForNewAsync(source, catalog, what, chainOf, _ => { }, ct));

    /// <summary>
    /// The key refusal (EncryptionKeyRequired, WrongEncryptionKey) <paramref name="judge"/>, a run's own judgement of its key,
    /// meets; null when it admits the key. For a dry run, which runs the judgement the run would and reports what it refuses.
    /// </summary>
    public static async Task<MongoBackupException?> RefusalOfAsync(Func<Task> judge)
    {
        ArgumentNullException.ThrowIfNull(judge);
        try
        {
            await judge().ConfigureAwait(false);
            return null;
        }
        catch (MongoBackupException e) when (e.ErrorId is ErrorIds.EncryptionKeyRequired or ErrorIds.WrongEncryptionKey)
        {
            return e;
        }
    }

    /// <summary>
    /// After a new encrypted snapshot is committed: when the settings pin another key than the one it was admitted under
    /// (Update-MongoSnapshotKey moved the pin while it was being written, as a continuous capture's open slice can be), it
    /// is kept, since its data is the only copy, and a warning names it and the way to bring it under the pinned key.
    /// Settings that cannot be read leave the warning out: the snapshot is committed either way.
    /// </summary>
    public static async Task WarnIfPinMovedAsync(ISnapshotRepository repository, string snapshotId, ManifestEncryption entry, Action<string> warn,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(warn);
        RepositorySettings? settings;
        try { settings = await RepositorySettingsStore.ReadAsync(repository, ct).ConfigureAwait(false); }
        catch (MongoBackupException) { return; }
        if (settings?.KeyId is { } pinned && !string.Equals(pinned, entry.KeyId, StringComparison.OrdinalIgnoreCase))
            warn($"Snapshot {snapshotId} was written under key {entry.KeyId}, but {repository.Location} now pins key {pinned} (its key was rotated while " +
                $"the snapshot was written). It was kept; bring it under the pinned key with Update-MongoSnapshotKey -Id {snapshotId}, giving its key and the new one.");
    }

    /// <summary>Why the repository's settings refuse a new snapshot written with <paramref name="source"/> (null: no key); null when they admit it.</summary>
    public static async Task<MongoBackupException?> RefusalAsync(EncryptionKeySource? source, ISnapshotRepository repository, string what, CancellationToken ct)
    {
        if (await RepositorySettingsStore.ReadAsync(repository, ct) is not { } settings) return null;
        var keyId = source is null ? null : (await source.ForNewSnapshotAsync(new SnapshotCatalog(repository), settings, ct)).Fingerprint;
        return settings.Refusal(keyId, repository.Location, what);
    }
}

/// <summary>
/// The key a new snapshot was admitted under (<see cref="SnapshotKeys.AdmitAsync"/>): <see cref="Key"/> null means admitted
/// without encryption. Handed on to the snapshot it was judged for, so its key is judged once.
/// </summary>
/// <param name="Key">The key-encryption key its data key is wrapped with; null for an unencrypted snapshot.</param>
public sealed record AdmittedKey(KeyEncryptionKey? Key);
