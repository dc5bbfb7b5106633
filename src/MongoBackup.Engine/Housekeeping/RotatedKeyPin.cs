using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// The repository's pinned key (<see cref="RepositorySettings.KeyId"/>) after a rotation. The pin follows the rotation
/// when it named the rotation's current key and no complete snapshot is left under that key: new backups are then taken
/// under the new key and refused under the retired one, and every restore window opens with the new key alone. When
/// snapshots are left under the pinned key (only some were selected, or some failed), the pin stays, since moving it
/// would leave a window's base and its next slices under two keys without anyone having chosen that; the outcome names them.
/// </summary>
public static class RotatedKeyPin
{
    /// <summary>
    /// What the pin does after the rotation: <see cref="Settings"/> are the settings to write when it follows (null: it
    /// stays); <see cref="Message"/> says why in a sentence (null: the repository pins no key, or the new one already).
    /// </summary>
    public sealed record Outcome(RepositorySettings? Settings, string? Message, IReadOnlyList<SnapshotManifest> LeftUnderPinnedKey)
    {
        internal static readonly Outcome Untouched = new(null, null, []);
    }

    /// <summary>
    /// Whether the pin follows the rotation, once the rotation has rewritten its snapshots; a -WhatIf plan names in
    /// <paramref name="planned"/> the snapshots it would rotate, which count as rotated. Nothing is written.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile for damaged settings; the repository's translated failures.</exception>
    public static async Task<Outcome> DecideAsync(KeyRotation rotation, ISnapshotRepository repository, IReadOnlySet<string> planned, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(rotation);
        if (repository is not IRepositorySettingsStore store || await store.ReadSettingsAsync(ct).ConfigureAwait(false) is not { KeyId: { } pinned } settings
            || Same(pinned, rotation.NewFingerprint))
            return Outcome.Untouched;
        var catalog = new SnapshotCatalog(repository);
        var current = await rotation.Current.ForNewSnapshotAsync(catalog, settings, ct).ConfigureAwait(false);
        var location = repository.Location;
        if (!Same(pinned, current.Fingerprint))
            return new Outcome(null,
                $"The settings of {location} pin key {pinned}, which is neither the key given with -EncryptionKey ({current.Fingerprint}) nor the new one " +
                $"({rotation.NewFingerprint}); the pin was left as it is. Run Set-MongoRepository to pin the key backups should use.", []);
        var left = (await catalog.CompleteAsync(ct).ConfigureAwait(false))
            .Where(s => !planned.Contains(s.Id) && rotation.IsUnderCurrentKey(s))
            // In the order they were taken, as a restore window lists them (ids of one second sort by their random suffix).
            .OrderBy(s => s.EndTime).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        if (left.Count > 0)
            return new Outcome(null,
                $"The settings of {location} still pin key {pinned}: {left.Count} snapshot(s) are still under it ({Names(left)}), so new backups must use " +
                $"that key, and a restore window reaching from them into the snapshots rotated to key {rotation.NewFingerprint} needs both keys (give both: -EncryptionKey and -EncryptionKeyFile take several). " +
                "Rotate them too (Update-MongoSnapshotKey without -Id) to move the pin to the new key, or pin a key with Set-MongoRepository.", left);
        var replacement = rotation.Replacement;
        var moved = settings with
        {
            KeyId = replacement.Fingerprint,
            KdfSalt = replacement.Salt is null ? null : Convert.ToBase64String(replacement.Salt),
            KdfIterations = replacement.Salt is null ? 0 : replacement.Iterations,
        };
        return new Outcome(moved,
            $"The settings of {location} pin key {replacement.Fingerprint} in place of the retired key {pinned}: " +
            "new backups are taken under the new key, and refused under the retired one.", []);
    }

    /// <summary>Writes the settings <see cref="DecideAsync"/> chose (nothing when the pin stays).</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when the settings cannot be written or were changed by someone else meanwhile.</exception>
    public static async Task ApplyAsync(Outcome outcome, ISnapshotRepository repository, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Settings is { } settings && repository is IRepositorySettingsStore store)
            await store.WriteSettingsAsync(settings, ct).ConfigureAwait(false);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Names(IReadOnlyList<SnapshotManifest> snapshots) =>
        string.Join(", ", snapshots.Take(5).Select(s => s.Id)) + (snapshots.Count > 5 ? ", ..." : "");
}
