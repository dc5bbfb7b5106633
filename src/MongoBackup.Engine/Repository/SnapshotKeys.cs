using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>The data key and manifest entry a new snapshot is written with, or none when it is not encrypted.</summary>
public static class SnapshotKeys
{
    public static async Task<(DataKey? Key, ManifestEncryption? Entry)> ForNewSnapshotAsync(
        EncryptionKeySource? source, ISnapshotRepository repository, string snapshotId, CancellationToken ct)
    {
        if (source is null) return (null, null);
        var kek = await source.ForNewSnapshotAsync(repository, ct);
        return SnapshotEncryption.ForNewSnapshot(kek, snapshotId);
    }
}
