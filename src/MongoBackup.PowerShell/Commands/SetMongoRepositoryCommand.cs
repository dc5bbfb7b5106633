using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Sets a repository's own rules: -RequireEncryption (every snapshot written into it encrypted) and the one key they
/// are encrypted with (-EncryptionKey or -EncryptionKeyFile pins its fingerprint; -AnyKey unpins it). Backups, oplog
/// slices, policy runs and copies into the repository are refused when they would break them. Without a change it
/// shows the settings.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MongoRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MongoRepositorySettings))]
public sealed class SetMongoRepositoryCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    /// <summary>Every snapshot written into the repository must be encrypted; -RequireEncryption:$false lifts it.</summary>
    [Parameter]
    public SwitchParameter RequireEncryption { get; set; }

    /// <summary>The passphrase whose key every encrypted snapshot here must use.</summary>
    [Parameter]
    [ValidateNotNull]
    [SecureStringArgument]
    public SecureString? EncryptionKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKeyFile { get; set; }

    /// <summary>Allows any key again (encryption may still be required).</summary>
    [Parameter]
    public SwitchParameter AnyKey { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        // Rules may be set before the first backup: a folder repository is created for them. Showing them only reads.
        var changes = new[] { nameof(RequireEncryption), nameof(EncryptionKey), nameof(EncryptionKeyFile), nameof(AnyKey) }
            .Any(MyInvocation.BoundParameters.ContainsKey);
        var repository = OpenRepositoryArgument(Repository, changes && !IsWhatIf() ? RepositoryAccess.Write : RepositoryAccess.Read, mustExist: false);
        if (repository is not IRepositorySettingsStore store)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"{repository.Location} keeps no settings.", target: repository.Location);
        var current = Await(store.ReadSettingsAsync) ?? new RepositorySettings();
        var catalog = new SnapshotCatalog(repository); // listed at most once: a passphrase's salt, then the warning below
        // The length rule is for a key the repository does not use yet (judged below, once the key is derived with its salt).
        var keys = EncryptionKeyArguments.BuildExisting(EncryptionKey, EncryptionKeyFile, ResolvePath, WriteWarning);
        if (keys is not null && AnyKey)
            throw new MongoBackupException(ErrorIds.InvalidArgument, "Give a key to pin (-EncryptionKey, -EncryptionKeyFile) or -AnyKey, not both.", target: "AnyKey");

        var updated = current with
        {
            RequireEncryption = MyInvocation.BoundParameters.ContainsKey(nameof(RequireEncryption)) ? RequireEncryption.IsPresent : current.RequireEncryption,
        };
        if (AnyKey) updated = updated with { KeyId = null, KdfSalt = null, KdfIterations = 0 };
        if (keys is not null)
        {
            // A passphrase is stretched with the repository's salt (its settings', else its snapshots', else a new one),
            // which is recorded so every later backup here derives this same key, and one passphrase keeps one fingerprint.
            var kek = Await(ct => keys.ForNewSnapshotAsync(catalog, current, ct));
            if (EncryptionKey is { Length: < KeyEncryptionKey.MinimumPassphraseLength } passphrase && !Await(ct => SnapshotKeys.IsInUseAsync(kek, catalog, ct)))
                KeyEncryptionKey.RequireLongEnough(passphrase);
            updated = updated with
            {
                KeyId = kek.Fingerprint,
                KdfSalt = kek.Salt is null ? null : Convert.ToBase64String(kek.Salt),
                KdfIterations = kek.Salt is null ? 0 : kek.Iterations,
            };
        }

        if (updated != current)
        {
            var apply = ShouldProcess(repository.Location, $"Set the repository's rules: {Describe(updated)}");
            if (apply) Await(async ct => { await store.WriteSettingsAsync(updated, ct); return true; });
            // A dry run says it too: rules set on a mistyped path would start a new repository there.
            if ((apply || IsWhatIf()) && Await(catalog.FoundAsync).Count == 0)
                WriteWarning(NewRepositoryNotice.Text(repository.Location, "setting these rules", "-Repository", planned: !apply));
            if (apply) WarnAboutSnapshotsOutsideTheRules(catalog, updated, keys);
        }
        WriteObject(MongoRepositorySettings.From(IsWhatIf() ? current : updated, repository.Location));
    });

    private static string Describe(RepositorySettings settings) =>
        (settings.RequireEncryption ? "encryption required" : "encryption not required") +
        (settings.KeyId is { } key ? $", key {key} only" : ", any key");

    /// <summary>
    /// Rules apply to what is written from now on; snapshots already there that break them are named. A snapshot is
    /// under another key when the key pinned here does not open it: with the key given, that is asked of the key itself
    /// (a snapshot written before the repository kept one salt records another fingerprint for the same passphrase);
    /// without one, the fingerprints are compared, which for a passphrase holds only under the pinned salt.
    /// </summary>
    private void WarnAboutSnapshotsOutsideTheRules(SnapshotCatalog catalog, RepositorySettings settings, EncryptionKeySource? keys)
    {
        var repository = catalog.Repository;
        var snapshots = Await(catalog.CompleteAsync);
        var plain = snapshots.Where(s => s.Encryption is null && settings.RequireEncryption).ToList();
        var otherKey = snapshots.Where(s => s.Encryption is { } e && settings.KeyId is { } pinned && !UnderPinnedKey(e, pinned, settings, keys)).ToList();
        var outside = plain.Concat(otherKey).ToList();
        if (outside.Count == 0) return;
        WriteWarning($"{outside.Count} snapshot(s) already in {repository.Location} do not follow these rules ({plain.Count} not encrypted, " +
            $"{otherKey.Count} under another key: {string.Join(", ", outside.Take(5).Select(s => s.Id))}{(outside.Count > 5 ? ", ..." : "")}). " +
            "They stay as they are; Update-MongoSnapshotKey re-wraps encrypted ones under the pinned key.");
    }

    private static bool UnderPinnedKey(ManifestEncryption encryption, string pinned, RepositorySettings settings, EncryptionKeySource? keys) =>
        keys is not null
            ? keys.IsKeyOf(encryption)
            : string.Equals(encryption.KeyId, pinned, StringComparison.OrdinalIgnoreCase)
              || (encryption.Kdf == Engine.Security.KeyEncryptionKey.PassphraseKdf && encryption.KdfSalt != settings.KdfSalt); // not comparable: not judged
}
