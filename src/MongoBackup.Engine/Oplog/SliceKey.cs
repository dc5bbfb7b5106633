using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// The one judgement of the key an oplog slice (a replica set's or a cluster's) is written under: the repository's
/// settings, and its chain (<see cref="UnencryptedChainCheck"/> without a key, <see cref="ChainKeyCheck"/> with one). A
/// one-shot slice judges it before deciding whether anything is new and hands the key on to the slice; a -WhatIf dry run
/// runs the same judgement and reports its refusal.
/// </summary>
public static class SliceKey
{
    /// <summary>The key the slice of <paramref name="topology"/>'s chain would be written under, once admitted.</summary>
    /// <exception cref="MongoBackupException">EncryptionKeyRequired or WrongEncryptionKey (see <see cref="SnapshotKeys.KeyEncryptionKeyForNewAsync"/>); the key source's own errors.</exception>
    public static Task<AdmittedKey> AdmitAsync(OplogSliceRequest request, SnapshotCatalog catalog, ServerTopology topology, Action<string> warn,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SnapshotKeys.AdmitAsync(request.Encryption, catalog, "this oplog slice", SliceChainEnd.ChainOf(topology), warn, ct);
    }

    /// <summary>Why <see cref="AdmitAsync"/> would refuse the slice's key; null when it admits it. Writes nothing.</summary>
    public static Task<MongoBackupException?> RefusalAsync(OplogSliceRequest request, SnapshotCatalog catalog, ServerTopology topology, CancellationToken ct) =>
        SnapshotKeys.RefusalOfAsync(() => AdmitAsync(request, catalog, topology, _ => { }, ct));
}
