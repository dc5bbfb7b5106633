using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The data key and manifest entry a new snapshot is written with, or none when it is not encrypted; refused, before
/// anything is written, when the repository's settings require encryption or another key.
/// </summary>
public static class SnapshotKeys
{
    public static async Task<(DataKey? Key, ManifestEncryption? Entry)> ForNewSnapshotAsync(
        EncryptionKeySource? source, ISnapshotRepository repository, string snapshotId, CancellationToken ct)
    {
        if (await RefusalAsync(source, repository, $"snapshot {snapshotId}", ct) is { } refusal) throw refusal;
        if (source is null) return (null, null);
        var kek = await source.ForNewSnapshotAsync(repository, await RepositorySettingsStore.ReadAsync(repository, ct), ct);
        return SnapshotEncryption.ForNewSnapshot(kek, snapshotId);
    }

    /// <summary>Why the repository's settings refuse a new snapshot written with <paramref name="source"/> (null: no key); null when they admit it.</summary>
    public static async Task<MongoBackupException?> RefusalAsync(EncryptionKeySource? source, ISnapshotRepository repository, string what, CancellationToken ct)
    {
        if (await RepositorySettingsStore.ReadAsync(repository, ct) is not { } settings) return null;
        var keyId = source is null ? null : (await source.ForNewSnapshotAsync(repository, settings, ct)).Fingerprint;
        return settings.Refusal(keyId, repository.Location, what);
    }
}
