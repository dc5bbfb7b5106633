using System.IO.Compression;
using System.Text;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// One passphrase, one fingerprint per repository: a new snapshot, a rotation and the settings' pin all stretch a
/// passphrase with the repository's salt. Snapshots written when each write drew its own salt still open and still
/// count as under their passphrase. A slice committed after a rotation moved the pin is kept, and said to be under the old key.
/// </summary>
public sealed class RepositoryKeyTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private static readonly DateTimeOffset Started = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_snapshot_wrapped_under_its_own_salt_opens_and_counts_as_under_its_passphrase_though_its_fingerprint_differs()
    {
        const string id = "20261130T120000Z-full-0abc";
        using var legacy = KeyEncryptionKey.FromPassphrase(SecureText.Of("the-same-passphrase"), KeyEncryptionKey.NewSalt(), iterations: 1000);
        using var repositorySalted = KeyEncryptionKey.FromPassphrase(SecureText.Of("the-same-passphrase"), KeyEncryptionKey.NewSalt(), iterations: 1000);
        var (written, entry) = SnapshotEncryption.ForNewSnapshot(legacy, id);
        using var _ = written;
        var manifest = new SnapshotManifest { Id = id, Kind = SnapshotKind.Full, Status = SnapshotStatus.Complete, StartTime = Started, Encryption = entry };

        Assert.NotEqual(repositorySalted.Fingerprint, entry.KeyId); // what a per-write salt did: one passphrase, two fingerprints
        Assert.True(EncryptionKeySource.FromPassphrase(SecureText.Of("the-same-passphrase")).IsKeyOf(entry));
        Assert.False(EncryptionKeySource.FromPassphrase(SecureText.Of("another-passphrase")).IsKeyOf(entry));
        using var opened = SnapshotEncryption.OpenUnsealed(manifest, EncryptionKeySource.FromPassphrase(SecureText.Of("the-same-passphrase")));
        Assert.NotNull(opened);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_rotation_gives_the_new_passphrase_the_fingerprint_a_backup_under_it_gets_in_that_repository(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var salt = Convert.ToBase64String(KeyEncryptionKey.NewSalt());
        await ((IRepositorySettingsStore)repository).WriteSettingsAsync(new RepositorySettings { KdfSalt = salt, KdfIterations = 1000 }, CancellationToken.None);
        var catalog = new SnapshotCatalog(repository);

        var rotation = await KeyRotation.ForRepositoryAsync(EncryptionKeySource.FromPassphrase(SecureText.Of("the-old-passphrase")),
            EncryptionKeySource.FromPassphrase(SecureText.Of("the-new-passphrase")), catalog, CancellationToken.None);
        var kek = await SnapshotKeys.KeyEncryptionKeyForNewAsync(EncryptionKeySource.FromPassphrase(SecureText.Of("the-new-passphrase")), catalog,
            "snapshot s1", null, _ => { }, CancellationToken.None);
        var (key, entry) = SnapshotEncryption.ForNewSnapshot(kek!, "s1");
        using var _ = key;

        Assert.Equal(entry!.KeyId, rotation.NewFingerprint);
        Assert.Equal(salt, entry.KdfSalt);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_slice_admitted_before_the_pin_moved_is_committed_and_named_as_under_the_old_key(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var store = (IRepositorySettingsStore)repository;
        var catalog = new SnapshotCatalog(repository);
        var old = EncryptionKeySource.FromPassphrase(SecureText.Of("the-old-passphrase"));
        var salt = Convert.ToBase64String(KeyEncryptionKey.NewSalt());
        await store.WriteSettingsAsync(new RepositorySettings { RequireEncryption = true, KdfSalt = salt, KdfIterations = 1000 }, CancellationToken.None);
        var oldId = (await old.ForNewSnapshotAsync(catalog, await store.ReadSettingsAsync(CancellationToken.None), CancellationToken.None)).Fingerprint;
        await store.WriteSettingsAsync(new RepositorySettings { RequireEncryption = true, KeyId = oldId, KdfSalt = salt, KdfIterations = 1000 }, CancellationToken.None);
        var warnings = new List<string>();

        await using var pending = await PendingSnapshot.StartNewAsync(catalog, "oplog", Started,
            new NewSnapshotOptions(Compression.None, CompressionLevel.Fastest, old), warnings.Add, CancellationToken.None);
        await using (var stream = await pending.Files!.CreateAsync("oplog.bson", CancellationToken.None))
            await stream.WriteAsync(Encoding.UTF8.GetBytes("entries"));
        // Update-MongoSnapshotKey moves the pin while the slice is open (a continuous capture's slice stays open for minutes).
        await store.WriteSettingsAsync(new RepositorySettings { RequireEncryption = true, KeyId = "0123456789abcdef", KdfSalt = salt, KdfIterations = 1000 },
            CancellationToken.None);
        await pending.CommitAsync(new SnapshotManifest { Id = pending.Id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete, StartTime = Started },
            CancellationToken.None);

        Assert.Equal(oldId, (await SnapshotCatalog.FindAsync(repository, pending.Id, CancellationToken.None)).Encryption!.KeyId);
        var warning = Assert.Single(warnings);
        Assert.Contains($"Snapshot {pending.Id} was written under key {oldId}", warning);
        Assert.Contains("now pins key 0123456789abcdef", warning);
        Assert.Contains($"Update-MongoSnapshotKey -Id {pending.Id}", warning);
    }
}
