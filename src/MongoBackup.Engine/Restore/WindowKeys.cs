using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Before a point-in-time restore reads anything: a window whose snapshots are under more than one key (a rotation
/// that left some behind, a slice written under another key) is refused with every snapshot the key given does not
/// open and the key each needs, rather than with the first one the replay happens to reach.
/// </summary>
public static class WindowKeys
{
    /// <summary>Refuses a window the keys given open only in part.</summary>
    /// <param name="window">The window the restore chose.</param>
    /// <param name="keys">The keys given (each snapshot is opened with the one that is its key); null leaves the refusal to the first encrypted snapshot (EncryptionKeyRequired).</param>
    /// <param name="location">The repository, for the message.</param>
    /// <exception cref="MongoBackupException">WrongEncryptionKey naming each snapshot the key does not open and its key's fingerprint.</exception>
    public static void Require(RestoreWindow window, EncryptionKeySource? keys, string location)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (keys is null) return;
        var encrypted = window.Slices.Prepend(window.BaseSnapshot).Where(s => s.Encryption is not null).ToList();
        var others = encrypted.Where(s => !keys.IsKeyOf(s.Encryption!)).ToList();
        var mixed = encrypted.Select(s => s.Encryption!.KeyId).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1;
        // One key throughout, and not the one given: the snapshot's own refusal says it (and which key it is under).
        if (others.Count == 0 || (others.Count == encrypted.Count && !mixed)) return;
        var needs = others.GroupBy(s => s.Encryption!.KeyId, StringComparer.OrdinalIgnoreCase)
            .Select(g => $"{Snapshots(g.Select(s => s.Id).ToList())} need{(g.Count() == 1 ? "s" : "")} key {g.Key}{(IsKeyFile(g.First()) ? " (a key file)" : "")}");
        var opened = encrypted.Count - others.Count;
        throw new MongoBackupException(ErrorIds.WrongEncryptionKey,
            $"The restore window {window} in {location} is not under one key: {string.Join("; ", needs)}; {(keys.HasSeveralKeys ? "the keys given open" : "the key given opens")} " +
            $"{opened} of its {encrypted.Count} encrypted snapshots. Give every key the window needs (-EncryptionKey and -EncryptionKeyFile take several), " +
            "or bring them under one key with Update-MongoSnapshotKey -Id (giving the key each is under now), then restore with that key.",
            target: others[0].Id);
    }

    private static bool IsKeyFile(SnapshotManifest snapshot) => snapshot.Encryption!.Kdf == Security.KeyEncryptionKey.KeyFileKdf;

    private static string Snapshots(IReadOnlyList<string> ids) =>
        (ids.Count == 1 ? "snapshot " : "snapshots ") + string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? $" and {ids.Count - 5} more" : "");
}
