namespace MongoBackup.Engine.Repository;

/// <summary>
/// What a new snapshot written without a key meets when the repository already holds encrypted ones (checked beside
/// the repository's settings, <see cref="SnapshotKeys"/>, before anything is written). An oplog slice continues its
/// chain's base snapshots and is restored with them: a plain slice after an encrypted base would put the writes after
/// that base in the clear, so it is refused while any base whose window it extends is encrypted. A full backup stands
/// alone (a DBA may mean to stop encrypting), so it is only warned about. Set-MongoRepository -RequireEncryption
/// refuses both.
/// </summary>
public static class UnencryptedChainCheck
{
    /// <summary>
    /// Refuses a slice (<paramref name="chainOf"/> given) when a chain base whose window it extends is encrypted; warns through
    /// <paramref name="warn"/> for a full (<paramref name="chainOf"/> null) when the newest complete snapshot is encrypted.
    /// </summary>
    /// <param name="complete">The repository's complete snapshots.</param>
    /// <param name="chainOf">For a slice: its source's chain (<see cref="SourceChain"/>); null for a full backup.</param>
    /// <param name="location">The repository, for the messages.</param>
    /// <param name="what">Names the new snapshot, e.g. "a new oplog snapshot".</param>
    /// <param name="warn">Where the full backup's warning goes.</param>
    /// <exception cref="MongoBackupException">EncryptionKeyRequired: a slice without a key after an encrypted base.</exception>
    public static void Check(IReadOnlyList<SnapshotManifest> complete, SourceChain? chainOf, string location, string what,
        Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(complete);
        ArgumentNullException.ThrowIfNull(warn);
        if (chainOf is not null)
        {
            var chainBase = RestoreWindows.OpenBases(chainOf.In(complete)).Where(s => s.Encryption is not null).MaxBy(s => s.ConsistentAt!.Timestamp);
            if (chainBase?.Encryption is { } encryption)
                throw new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                    $"The oplog chain of {chainOf.Source} in {location} continues snapshot {chainBase.Id}, which is encrypted (key {encryption.KeyId}): {what} would not be. " +
                    "Give the same key with -EncryptionKey or -EncryptionKeyFile. To refuse every unencrypted backup into this repository, run Set-MongoRepository -RequireEncryption.",
                    target: chainBase.Id);
            return;
        }
        if (complete.MaxBy(s => s.EndTime) is { Encryption: { } newest } latest)
            warn($"The newest complete snapshot in {location}, {latest.Id}, is encrypted (key {newest.KeyId}), but {what} is not: no key was given. " +
                "If this repository should hold only encrypted snapshots, give -EncryptionKey or -EncryptionKeyFile and run Set-MongoRepository -RequireEncryption to refuse backups without a key.");
    }
}
