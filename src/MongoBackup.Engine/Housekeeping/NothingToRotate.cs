using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// A key rotation that has nothing to do: every encrypted snapshot it was given is already under the new key. That is
/// the state a finished rotation leaves, so it is no error; but it is also what the keys given the wrong way round look
/// like (the current key as -NewEncryptionKeyFile), which would otherwise pass in silence. The warning says which it
/// is: whether the key given as the current one opens any snapshot of the repository or is the key its settings pin.
/// </summary>
public static class NothingToRotate
{
    /// <summary>
    /// The warning when none of <paramref name="selected"/> needs rotating and at least one is encrypted; null when
    /// something is to be rotated (a wrong current key is then refused per snapshot, naming both fingerprints).
    /// </summary>
    /// <param name="currentParameter">How the current key was given (-EncryptionKey or -EncryptionKeyFile), for the message.</param>
    public static async Task<string?> DescribeAsync(KeyRotation rotation, IReadOnlyCollection<SnapshotManifest> selected, SnapshotCatalog catalog,
        string currentParameter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(catalog);
        var encrypted = selected.Where(s => s.Encryption is not null).ToList();
        if (encrypted.Count == 0 || encrypted.Any(rotation.Applies)) return null;
        var nothing = $"Nothing to rotate: every snapshot{(encrypted.Count == 1 ? "" : $" ({encrypted.Count})")} is already under the new key {rotation.NewFingerprint}.";
        var settings = await RepositorySettingsStore.ReadAsync(catalog.Repository, ct).ConfigureAwait(false);
        var current = (await rotation.Current.ForNewSnapshotAsync(catalog, settings, ct).ConfigureAwait(false)).Fingerprint;
        if (string.Equals(current, rotation.NewFingerprint, StringComparison.OrdinalIgnoreCase))
            return $"{nothing} The key given with {currentParameter} is that same key.";
        var opensAny = (await catalog.CompleteAsync(ct).ConfigureAwait(false)).Any(s => s.Encryption is { } e && rotation.Current.IsKeyOf(e));
        var pinned = settings?.KeyId is { } pin && string.Equals(pin, current, StringComparison.OrdinalIgnoreCase);
        if (opensAny || pinned) return nothing;
        return $"{nothing} The key given with {currentParameter} (key {current}) opens none of the snapshots in {catalog.Repository.Location} " +
               $"and is not the key its settings pin{(settings?.KeyId is { } other ? $" ({other})" : "")}: check that the keys are not swapped " +
               $"({currentParameter} takes the key the snapshots are under now, -New{currentParameter.TrimStart('-')} the key to move them to).";
    }
}
