using System.Security.Cryptography;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// What every repository kind must do, run over a folder, Azure Blob Storage (Azurite) and S3 (s3rver): files
/// written and read back byte for byte, a snapshot that exists only once its manifest is committed, uploads cut
/// off half-way that never list as complete, damaged manifests reported as incomplete, deletion.
/// </summary>
public sealed class RepositoryContractTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private const string Id = "20261124T221500Z-full-0001";

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Files_read_back_byte_for_byte_and_the_snapshot_lists_and_deletes(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        // Larger than two upload parts, so multipart and block uploads are crossed at part boundaries.
        var big = RandomNumberGenerator.GetBytes(2 * 8 * 1024 * 1024 + 12345);
        var small = "{\"options\":{}}"u8.ToArray();

        var bigEntry = await WriteAsync(repository, Id, "shop/orders.bson", big, chunk: 100_000);
        var smallEntry = await WriteAsync(repository, Id, "shop/orders.metadata.json", small, chunk: 7);
        await repository.CommitManifestAsync(Manifest(Id, bigEntry, smallEntry), CancellationToken.None);

        Assert.Equal(big.Length, bigEntry.Size);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(big)).ToLowerInvariant(), bigEntry.Sha256);
        Assert.Equal(big, await ReadAllAsync(repository, Id, "shop/orders.bson"));
        Assert.Equal(small, await ReadAllAsync(repository, Id, "shop/orders.metadata.json"));

        var listed = Assert.Single(await ListAsync(repository));
        Assert.True(listed.IsComplete, listed.Error);
        Assert.Equal(Id, listed.Manifest!.Id);
        Assert.Equal(["shop/orders.bson", "shop/orders.metadata.json"], listed.Manifest.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(Id, (await SnapshotCatalog.FindAsync(repository, Id, CancellationToken.None)).Id);
        var reopened = await services.ReopenAsync(repository, kind);
        Assert.Equal(Id, Assert.Single(await SnapshotCatalog.LoadCompleteAsync(reopened, CancellationToken.None)).Id);

        await repository.DeleteSnapshotAsync(Id, CancellationToken.None);
        Assert.Empty(await ListAsync(repository));
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => repository.DeleteSnapshotAsync(Id, CancellationToken.None));
        await Assert.ThrowsAsync<FileNotFoundException>(() => repository.OpenReadAsync(Id, "shop/orders.bson", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_snapshot_lists_as_incomplete_until_its_manifest_is_committed_last(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var entry = await WriteAsync(repository, Id, "oplog.bson", RandomNumberGenerator.GetBytes(1000), chunk: 333);

        var before = Assert.Single(await ListAsync(repository));
        Assert.False(before.IsComplete);
        Assert.Contains("did not finish", before.Error);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));

        await repository.CommitManifestAsync(Manifest(Id, entry), CancellationToken.None);
        var after = Assert.Single(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        Assert.Equal(Id, after.Id);
    }

    /// <summary>
    /// A DBA keeps a mongodump export beside the snapshots. It has no manifest and no name a backup gives, so it is no
    /// snapshot: Get-MongoSnapshot -IncludeIncomplete does not list it, Remove-MongoSnapshot -Id does not find it, and
    /// retention neither judges nor removes it, while it removes the abandoned backups beside it: one named as a backup
    /// names its snapshot, and one whose folder a reservation marked under another name (a copy keeps its source's id).
    /// </summary>
    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_folder_no_backup_named_or_marked_is_not_a_snapshot_to_list_remove_or_retain(StoreKind kind)
    {
        const string Export = "nightly-export";
        const string CopiedIn = "copied-in-by-hand";
        var repository = await services.NewRepositoryAsync(kind);
        var exported = RandomNumberGenerator.GetBytes(3000);
        await WriteAsync(repository, Export, "shop/orders.bson", exported, chunk: 1000);
        // Written here through the repository, which marks a folder before its first file; mongodump marks none.
        await repository.Marks!.DeleteMarkAsync(Export, SnapshotFolderMarker.FileName, CancellationToken.None);
        await WriteAsync(repository, Id, "oplog.bson", RandomNumberGenerator.GetBytes(100), chunk: 100);
        Assert.True(await repository.TryReserveAsync(CopiedIn, CancellationToken.None));

        Assert.Equal([Id, CopiedIn], (await ListAsync(repository)).Select(f => f.SnapshotId).Order(StringComparer.Ordinal));
        Assert.All(await ListAsync(repository), f => Assert.Equal(ManifestState.Missing, f.State));
        Assert.Null(await repository.ReadManifestAsync(Export, CancellationToken.None));
        Assert.NotNull(await repository.ReadManifestAsync(CopiedIn, CancellationToken.None));
        var notFound = await Assert.ThrowsAsync<MongoBackupException>(() => SnapshotCatalog.FindAsync(repository, Export, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotNotFound, notFound.ErrorId);
        var notRemoved = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(NullObserver.Instance).RemoveAsync(repository, [Export], force: true, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotNotFound, notRemoved.ErrorId);
        Assert.Contains(Export, notRemoved.Message);

        var plan = await RetentionApplier.PlanAsync(repository, new RetentionRules { KeepLast = 1 }, CancellationToken.None);
        Assert.DoesNotContain(plan.Decisions, d => d.SnapshotId == Export);
        Assert.Equal([Id, CopiedIn], plan.Removals.Select(d => d.SnapshotId).Order(StringComparer.Ordinal));
        await new RetentionApplier(NullObserver.Instance).ApplyAsync(repository, plan.Removals.Select(d => d.SnapshotId).ToList(), CancellationToken.None);
        Assert.Empty(await ListAsync(repository));
        Assert.Equal(exported, await ReadAllAsync(repository, Export, "shop/orders.bson"));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task An_upload_that_fails_half_way_leaves_no_snapshot_that_lists_as_complete(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var complete = await WriteAsync(repository, Id, "shop/a.bson", RandomNumberGenerator.GetBytes(5000), chunk: 1000);

        // The codec stage fails after more than one upload part has gone out.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var writer = await repository.CreateFileAsync(Id, "shop/b.bson", CancellationToken.None);
            await writer.WriteAsync(RandomNumberGenerator.GetBytes(9 * 1024 * 1024));
            throw new InvalidOperationException("codec failed");
        });
        Assert.Equal("codec failed", failure.Message);

        var listed = Assert.Single(await ListAsync(repository));
        Assert.Equal(Id, listed.SnapshotId);
        Assert.False(listed.IsComplete);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => SnapshotCatalog.FindAsync(repository, Id, CancellationToken.None));
        Assert.Contains("incomplete", error.Message);
        Assert.Contains(repository.Location, error.Message);
        Assert.NotNull(complete);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task An_upload_cancelled_half_way_is_never_listed_as_complete(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        using var cancel = new CancellationTokenSource();
        var writer = await repository.CreateFileAsync(Id, "shop/big.bson", cancel.Token);
        await writer.WriteAsync(RandomNumberGenerator.GetBytes(9 * 1024 * 1024), CancellationToken.None);
        cancel.Cancel();
        try { await writer.DisposeAsync(); }
        catch (OperationCanceledException) { /* a store may refuse to finish a cancelled upload; either way it must not count */ }

        Assert.All(await ListAsync(repository), r => Assert.False(r.IsComplete));
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_damaged_manifest_lists_as_damaged_not_unfinished_with_the_reason(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        await WriteAsync(repository, Id, SnapshotManifest.FileName, "{ \"id\": \"cut off"u8.ToArray(), chunk: 5);
        var healthy = "20261124T231500Z-full-0002";
        var entry = await WriteAsync(repository, healthy, "oplog.bson", [1, 2, 3], chunk: 3);
        await repository.CommitManifestAsync(Manifest(healthy, entry), CancellationToken.None);
        const string unfinished = "20261124T235900Z-full-0003";
        await WriteAsync(repository, unfinished, "oplog.bson", [1, 2, 3], chunk: 3);

        var listed = await ListAsync(repository);
        Assert.Equal([Id, healthy, unfinished], listed.Select(r => r.SnapshotId));
        Assert.False(listed[0].IsComplete);
        Assert.Equal(ManifestState.Damaged, listed[0].State);
        Assert.Contains(SnapshotManifest.FileName, listed[0].Error);
        Assert.Contains("not valid", listed[0].Error);
        Assert.True(listed[1].IsComplete, listed[1].Error);
        Assert.Equal(ManifestState.Missing, listed[2].State);
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => SnapshotCatalog.FindAsync(repository, Id, CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains("damaged manifest", error.Message);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_manifest_read_by_id_is_what_listing_gives_for_it_and_none_for_an_id_not_there(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        await WriteAsync(repository, Id, SnapshotManifest.FileName, "{ \"id\": \"cut off"u8.ToArray(), chunk: 5);
        var healthy = "20261124T231500Z-full-0002";
        await repository.CommitManifestAsync(Manifest(healthy, await WriteAsync(repository, healthy, "oplog.bson", [1, 2, 3], chunk: 3)), CancellationToken.None);
        const string unfinished = "20261124T235900Z-full-0003";
        await WriteAsync(repository, unfinished, "oplog.bson", [1, 2, 3], chunk: 3);

        foreach (var listed in await ListAsync(repository))
        {
            var read = await repository.ReadManifestAsync(listed.SnapshotId, CancellationToken.None);
            Assert.NotNull(read);
            Assert.Equal((listed.SnapshotId, listed.State, listed.Manifest?.Id), (read.SnapshotId, read.State, read.Manifest?.Id));
        }
        Assert.Null(await repository.ReadManifestAsync("20261125T000000Z-full-0004", CancellationToken.None));
        // A prefix of an id that is there is not that snapshot.
        Assert.Null(await repository.ReadManifestAsync("20261124T231500Z-full-000", CancellationToken.None));
    }

    /// <summary>
    /// Breaker8 finding 4: a snapshot folder (or prefix) copied whole under another id-shaped name was listed as a second
    /// complete snapshot with the original's id, so removing that entry deleted the original. Its manifest names another
    /// snapshot than its folder: it lists as damaged under its own name, is never read as the original, and deleting
    /// it leaves the original whole.
    /// </summary>
    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_snapshot_copied_under_another_id_lists_as_damaged_under_its_own_id_and_deleting_it_leaves_the_original(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var data = RandomNumberGenerator.GetBytes(1000);
        var entry = await WriteAsync(repository, Id, "shop/orders.bson", data, chunk: 300);
        var original = Manifest(Id, entry);
        await repository.CommitManifestAsync(original, CancellationToken.None);
        // The copy, file for file: the same manifest (naming the original) under another name.
        const string copy = "20300101T000000Z-full-beef";
        await WriteAsync(repository, copy, "shop/orders.bson", data, chunk: 300);
        await WriteAsync(repository, copy, SnapshotManifest.FileName, System.Text.Encoding.UTF8.GetBytes(original.Serialize()), chunk: 4096);

        var listed = await ListAsync(repository);
        Assert.Equal([Id, copy], listed.Select(r => r.SnapshotId));
        Assert.True(listed[0].IsComplete, listed[0].Error);
        Assert.Equal(ManifestState.Damaged, listed[1].State);
        Assert.Null(listed[1].Manifest);
        Assert.Contains($"names snapshot '{Id}', not '{copy}'", listed[1].Error);
        Assert.Equal(Id, Assert.Single(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Id);
        Assert.Equal(ManifestState.Damaged, (await repository.ReadManifestAsync(copy, CancellationToken.None))!.State);
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => SnapshotCatalog.FindAsync(repository, copy, CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, refused.ErrorId);
        Assert.Contains($"names snapshot '{Id}'", refused.Message);

        await repository.DeleteSnapshotAsync(copy, CancellationToken.None);
        Assert.Equal(Id, Assert.Single(await ListAsync(repository)).Manifest!.Id);
        Assert.Equal(data, await ReadAllAsync(repository, Id, "shop/orders.bson"));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Paths_outside_a_snapshot_are_refused(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        await Assert.ThrowsAsync<ArgumentException>(() => repository.CreateFileAsync(Id, "../other/x.bson", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => repository.CreateFileAsync("../x", "a.bson", CancellationToken.None));
        Assert.Empty(await ListAsync(repository));
    }

    private static async Task<ManifestFile> WriteAsync(ISnapshotRepository repository, string id, string path, byte[] content, int chunk)
    {
        var writer = await repository.CreateFileAsync(id, path, CancellationToken.None);
        await using (writer)
        {
            for (var offset = 0; offset < content.Length; offset += chunk)
                await writer.WriteAsync(content.AsMemory(offset, Math.Min(chunk, content.Length - offset)));
        }
        return writer.Entry;
    }

    private static async Task<byte[]> ReadAllAsync(ISnapshotRepository repository, string id, string path)
    {
        await using var stream = await repository.OpenReadAsync(id, path, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<List<ManifestReadResult>> ListAsync(ISnapshotRepository repository)
    {
        var results = new List<ManifestReadResult>();
        await foreach (var result in repository.ListAsync(CancellationToken.None)) results.Add(result);
        return results;
    }

    private static SnapshotManifest Manifest(string id, params ManifestFile[] files) => new()
    {
        Id = id, Kind = SnapshotKind.Full, Status = SnapshotStatus.Complete, ToolVersion = "test",
        StartTime = DateTimeOffset.UtcNow.AddMinutes(-1), EndTime = DateTimeOffset.UtcNow, Files = [.. files],
    };
}
