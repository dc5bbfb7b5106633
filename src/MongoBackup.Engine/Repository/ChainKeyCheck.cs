namespace MongoBackup.Engine.Repository;

/// <summary>
/// What a new oplog slice written under a key meets when its chain is encrypted (checked beside the repository's
/// settings, <see cref="SnapshotKeys"/>, before anything is written): a point-in-time restore opens the base snapshot and
/// every slice it replays with the one key it is given, so a slice under a key that does not open the chain (a
/// passphrase mistyped at the prompt, another key file) would leave a chain no restore can open, perhaps under a key
/// no one knows. It is refused. The keyless case is <see cref="UnencryptedChainCheck"/>'s.
/// </summary>
public static class ChainKeyCheck
{
    /// <summary>
    /// Refuses <paramref name="source"/> when it does not open an encrypted snapshot a restore through the new slice would
    /// open: the chain's bases whose windows the slice extends, and the chain's slices after the oldest of them.
    /// </summary>
    /// <param name="source">The new slice's key.</param>
    /// <param name="complete">The repository's complete snapshots.</param>
    /// <param name="chainOf">The slice's source's chain (<see cref="SourceChain"/>).</param>
    /// <param name="location">The repository, for the message.</param>
    /// <param name="what">Names the new snapshot, e.g. "this oplog slice".</param>
    /// <exception cref="MongoBackupException">WrongEncryptionKey, naming the snapshot the key does not open and its key id.</exception>
    public static void Check(EncryptionKeySource source, IReadOnlyList<SnapshotManifest> complete, SourceChain chainOf,
        string location, string what)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(complete);
        ArgumentNullException.ThrowIfNull(chainOf);
        var chain = chainOf.In(complete);
        var bases = RestoreWindows.OpenBases(chain).ToList();
        if (bases.Count == 0) return;
        var from = bases.Min(b => b.ConsistentAt!.Timestamp);
        var opened = bases.Concat(chain.Where(s => s.Kind == SnapshotKind.Oplog && s.OplogEnd is { } end && end > from))
            .Where(s => s.Encryption is not null)
            .OrderByDescending(s => s.EndTime);
        foreach (var snapshot in opened)
        {
            if (Opens(source, snapshot)) continue;
            var chainBase = bases.Where(b => b.Encryption is not null).MaxBy(b => b.ConsistentAt!.Timestamp) ?? snapshot;
            throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
                $"The oplog chain of {chainOf.Source} in {location} continues snapshot {chainBase.Id}, and the key given does not open {(snapshot == chainBase ? "it" : $"snapshot {snapshot.Id} of that chain")} " +
                $"(key {snapshot.Encryption!.KeyId}): {what} would be encrypted under a key no point-in-time restore of the chain is given with the others. " +
                "Give the key the chain is encrypted with; to move the chain to a new key, run Update-MongoSnapshotKey first.",
                target: snapshot.Id);
        }
    }

    private static bool Opens(EncryptionKeySource source, SnapshotManifest snapshot)
    {
        try
        {
            SnapshotEncryption.OpenUnsealed(snapshot, source)?.Dispose();
            return true;
        }
        catch (MongoBackupException e) when (e.ErrorId == ErrorIds.CorruptFile)
        {
            return true; // a damaged entry is Test-MongoSnapshot's to report, not a reason to stop the chain
        }
        catch (MongoBackupException e) when (e.ErrorId == ErrorIds.WrongEncryptionKey)
        {
            return false;
        }
    }
}
