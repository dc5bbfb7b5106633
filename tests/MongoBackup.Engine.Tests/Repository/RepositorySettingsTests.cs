using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// Repository settings on every kind (folder, Azurite, s3rver): they round-trip, a second write replaces the first,
/// listing never takes them for a snapshot, and a new snapshot's key is refused or admitted as they say.
/// </summary>
public sealed class RepositorySettingsTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Settings_round_trip_are_replaced_and_never_listed_as_a_snapshot(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var store = Assert.IsAssignableFrom<IRepositorySettingsStore>(repository);
        Assert.Null(await store.ReadSettingsAsync(CancellationToken.None));

        await store.WriteSettingsAsync(new RepositorySettings { RequireEncryption = true, KeyId = "0123456789abcdef" }, CancellationToken.None);
        await store.WriteSettingsAsync(new RepositorySettings { RequireEncryption = true, KeyId = "fedcba9876543210", KdfSalt = "c2FsdA==", KdfIterations = 600_000 }, CancellationToken.None);

        var reopened = await services.ReopenAsync(repository, kind);
        var read = await ((IRepositorySettingsStore)reopened).ReadSettingsAsync(CancellationToken.None);
        Assert.Equal(new RepositorySettings { RequireEncryption = true, KeyId = "fedcba9876543210", KdfSalt = "c2FsdA==", KdfIterations = 600_000 }, read);
        await foreach (var listed in reopened.ListAsync(CancellationToken.None))
            Assert.Fail($"Listing returned '{listed.SnapshotId}' in a repository that holds only its settings.");
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_new_snapshot_without_a_key_or_under_another_key_is_refused_as_the_settings_say(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        using var keyFolder = new TempFolder();
        var keyFile = Path.Combine(keyFolder.Path, "key");
        await File.WriteAllTextAsync(keyFile, new string('a', 64));
        var otherFile = Path.Combine(keyFolder.Path, "other");
        await File.WriteAllTextAsync(otherFile, new string('b', 64));
        var pinned = EncryptionKeySource.FromKeyFile(keyFile);
        var pinnedId = (await pinned.ForNewSnapshotAsync(new SnapshotCatalog(repository), null, CancellationToken.None)).Fingerprint;
        await ((IRepositorySettingsStore)repository).WriteSettingsAsync(new RepositorySettings { RequireEncryption = true, KeyId = pinnedId }, CancellationToken.None);

        var none = await Assert.ThrowsAsync<MongoBackupException>(() => StartAsync(repository, null));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, none.ErrorId);
        Assert.Contains(repository.Location, none.Message);
        var other = await Assert.ThrowsAsync<MongoBackupException>(() => StartAsync(repository, EncryptionKeySource.FromKeyFile(otherFile)));
        Assert.Equal(ErrorIds.WrongEncryptionKey, other.ErrorId);
        Assert.Contains(pinnedId, other.Message);
        await foreach (var listed in repository.ListAsync(CancellationToken.None))
            Assert.Fail($"A refused snapshot left '{listed.SnapshotId}' behind.");

        await using var admitted = await StartAsync(repository, pinned);
        Assert.Equal(pinnedId, admitted.Encryption!.KeyId);
    }

    // As a user's backup starts one: the settings are checked when its id is reserved, before anything is written.
    private static Task<PendingSnapshot> StartAsync(ISnapshotRepository repository, EncryptionKeySource? keys) =>
        PendingSnapshot.StartNewAsync(new SnapshotCatalog(repository), "full", DateTimeOffset.UtcNow,
            new NewSnapshotOptions(Compression.None, System.IO.Compression.CompressionLevel.Fastest, keys), _ => { }, CancellationToken.None);
}
