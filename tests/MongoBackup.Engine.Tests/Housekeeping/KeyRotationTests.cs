using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// Update-MongoSnapshotKey rewrites manifests of snapshots it listed earlier: another session may have removed one
/// meanwhile (Remove-MongoSnapshot, retention). Its rewrite must not bring back a manifest without its files.
/// </summary>
public sealed class KeyRotationTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>, IDisposable
{
    private const string Id = "20261130T120000Z-oplog-0abc";
    private readonly TempFolder _keys = new();

    public void Dispose() => _keys.Dispose();

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_snapshot_removed_after_the_rotation_listed_it_is_not_brought_back_as_a_manifest_without_files(StoreKind kind)
    {
        var (repository, oldKey, listed) = await ListedEncryptedSnapshotAsync(kind);
        await repository.DeleteSnapshotAsync(Id, CancellationToken.None); // another session's Remove-MongoSnapshot

        var error = await Assert.ThrowsAsync<MongoBackupException>(async () =>
            await (await KeyRotation.ForRepositoryAsync(oldKey, EncryptionKeySource.FromKeyFile(KeyFile("new.key")), new SnapshotCatalog(repository), CancellationToken.None)).RotateAsync(repository, listed, CancellationToken.None));

        Assert.Equal(ErrorIds.SnapshotNotFound, error.ErrorId);
        Assert.Contains(Id, error.Message);
        Assert.Null(await repository.ReadManifestAsync(Id, CancellationToken.None)); // nothing of that id, complete or not
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(await services.ReopenAsync(repository, kind), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_snapshot_rotated_by_another_session_after_this_one_listed_it_is_left_under_that_key(StoreKind kind)
    {
        var (repository, oldKey, listed) = await ListedEncryptedSnapshotAsync(kind);
        var otherKey = EncryptionKeySource.FromKeyFile(KeyFile("other.key"));
        var theirs = await (await KeyRotation.ForRepositoryAsync(oldKey, otherKey, new SnapshotCatalog(repository), CancellationToken.None)).RotateAsync(repository, await SnapshotCatalog.FindAsync(repository, Id, CancellationToken.None),
            CancellationToken.None);

        var error = await Assert.ThrowsAsync<MongoBackupException>(async () =>
            await (await KeyRotation.ForRepositoryAsync(oldKey, EncryptionKeySource.FromKeyFile(KeyFile("new.key")), new SnapshotCatalog(repository), CancellationToken.None)).RotateAsync(repository, listed, CancellationToken.None));

        Assert.Equal(ErrorIds.SnapshotExists, error.ErrorId);
        Assert.Contains(Id, error.Message);
        var kept = await SnapshotCatalog.FindAsync(await services.ReopenAsync(repository, kind), Id, CancellationToken.None);
        Assert.Equal(theirs.Encryption!.KeyId, kept.Encryption!.KeyId);
    }

    /// <summary>A repository of the kind holding one snapshot encrypted under "old.key", and its manifest as a rotation lists it.</summary>
    private async Task<(ISnapshotRepository Repository, EncryptionKeySource OldKey, SnapshotManifest Listed)> ListedEncryptedSnapshotAsync(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var oldKey = EncryptionKeySource.FromKeyFile(KeyFile("old.key"));
        await WriteEncryptedAsync(repository, oldKey);
        return (repository, oldKey, await SnapshotCatalog.FindAsync(repository, Id, CancellationToken.None));
    }

    private string KeyFile(string name)
    {
        var path = Path.Combine(_keys.Path, name);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return path;
    }

    private static async Task WriteEncryptedAsync(ISnapshotRepository repository, EncryptionKeySource key)
    {
        var started = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        await using var pending = await PendingSnapshot.StartNewAsync(new SnapshotCatalog(repository), "oplog", started,
            new NewSnapshotOptions(Compression.None, CompressionLevel.Fastest, key) { Ids = new Support.ScriptedIds(Id) }, _ => { }, CancellationToken.None);
        await using (var stream = await pending.Files!.CreateAsync("oplog.bson", CancellationToken.None))
            await stream.WriteAsync(Encoding.UTF8.GetBytes("entries"));
        await pending.CommitAsync(new SnapshotManifest
        {
            Id = Id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete, Compression = Compression.None, StartTime = started,
        }, CancellationToken.None);
    }
}
