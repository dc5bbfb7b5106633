using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using MongoBackup.Engine.Storage;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Storage;

/// <summary>
/// What <see cref="IBlobStore"/> promises, run over a folder, Azure Blob Storage (Azurite) and S3 (s3rver with AWS's
/// conditional PUTs): blobs read back byte for byte, listing by prefix, idempotent deletes, conditional create and
/// replace that never overwrite what they must not, one winner among racing creators, and no write through a store
/// opened read-only.
/// </summary>
public sealed class BlobStoreContractTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>, IDisposable
{
    private readonly List<TempFolder> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders) folder.Dispose();
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Blobs_read_back_list_by_prefix_and_delete(StoreKind kind)
    {
        var store = await NewStoreAsync(kind);
        var data = RandomNumberGenerator.GetBytes(300_000);
        await PutAsync(store, "a/b/c.bin", data);
        await PutAsync(store, "a/bc", "x"u8.ToArray());
        await PutAsync(store, "z", "z"u8.ToArray());

        Assert.Equal(data, await GetAsync(store, "a/b/c.bin"));
        Assert.Equal(["a/b/c.bin", "a/bc"], await store.ListAsync("a/b", CancellationToken.None));
        Assert.Equal(["a/b/c.bin"], await store.ListAsync("a/b/", CancellationToken.None));
        Assert.Equal(["a/b/c.bin", "a/bc", "z"], await store.ListAsync("", CancellationToken.None));

        await PutAsync(store, "z", "replaced"u8.ToArray());
        Assert.Equal("replaced"u8.ToArray(), await GetAsync(store, "z"));

        await store.DeleteAsync("a/b/c.bin", CancellationToken.None);
        await store.DeleteAsync("a/b/c.bin", CancellationToken.None); // gone already: not an error
        Assert.Equal(["a/bc", "z"], await store.ListAsync("", CancellationToken.None));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("a/b/c.bin", CancellationToken.None));
        Assert.Null(await store.ReadAsync("a/b/c.bin", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_conditional_create_never_overwrites_and_a_replace_needs_the_current_etag(StoreKind kind)
    {
        var store = await NewStoreAsync(kind);

        var created = await store.TryCreateAsync("s/settings.json", "first", CancellationToken.None);
        Assert.NotNull(created);
        Assert.Null(await store.TryCreateAsync("s/settings.json", "second", CancellationToken.None));
        var read = await store.ReadAsync("s/settings.json", CancellationToken.None);
        Assert.Equal(new StoredObject("first", created), read);

        var replaced = await store.TryReplaceAsync("s/settings.json", "third", created, CancellationToken.None);
        Assert.NotNull(replaced);
        Assert.NotEqual(created, replaced);
        Assert.Null(await store.TryReplaceAsync("s/settings.json", "stale", created, CancellationToken.None));
        Assert.Null(await store.TryReplaceAsync("s/missing.json", "nothing there", created, CancellationToken.None));
        Assert.Equal(new StoredObject("third", replaced), await store.ReadAsync("s/settings.json", CancellationToken.None));
        Assert.Equal(["s/settings.json"], await store.ListAsync("", CancellationToken.None)); // no temporary blob left
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Of_writers_racing_to_create_one_blob_exactly_one_wins(StoreKind kind)
    {
        var store = await NewStoreAsync(kind);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => store.TryCreateAsync("race/marker", $"writer {i}", CancellationToken.None))));

        var winner = Assert.Single(results.Select((etag, i) => (etag, i)).Where(r => r.etag is not null));
        Assert.Equal($"writer {winner.i}", (await store.ReadAsync("race/marker", CancellationToken.None))!.Text);
        Assert.Equal(["race/marker"], await store.ListAsync("", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_store_opened_read_only_reads_and_lists_but_writes_nothing(StoreKind kind)
    {
        var (writable, readOnly) = await NewStorePairAsync(kind);
        await PutAsync(writable, "kept", "kept"u8.ToArray());

        Assert.False(readOnly.IsWritable);
        Assert.Equal("kept"u8.ToArray(), await GetAsync(readOnly, "kept"));
        Assert.Equal(["kept"], await readOnly.ListAsync("", CancellationToken.None));
        foreach (var write in new Func<Task>[]
                 {
                     () => readOnly.OpenWriteAsync("new", CancellationToken.None),
                     () => readOnly.DeleteAsync("kept", CancellationToken.None),
                     () => readOnly.TryCreateAsync("new", "x", CancellationToken.None),
                     () => readOnly.TryReplaceAsync("kept", "x", "\"any\"", CancellationToken.None),
                 })
            Assert.Equal(ErrorIds.RepositoryNotWritable, (await Assert.ThrowsAsync<MongoBackupException>(write)).ErrorId);
        Assert.Equal(["kept"], await writable.ListAsync("", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_name_that_would_leave_the_root_is_refused(StoreKind kind)
    {
        var store = await NewStoreAsync(kind);
        foreach (var name in new[] { "../outside", "/absolute", "a//b", "a/./b", "" })
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryCreateAsync(name, "x", CancellationToken.None));
    }

    [Fact]
    public async Task A_folder_store_puts_each_write_on_stable_storage_before_it_returns()
    {
        var folder = new TempFolder();
        _folders.Add(folder);
        var storage = new RecordingStorage();
        var store = new FolderBlobStore(folder.Path, writable: true, storage);

        await PutAsync(store, "a/data.bin", [1, 2, 3]);
        Assert.Equal([Path.Combine(folder.Path, "a", "data.bin")], storage.Files);

        storage.Files.Clear();
        await store.TryCreateAsync("b/marker", "x", CancellationToken.None);
        // The temporary file is flushed, then the folder that names the blob once it is renamed into place.
        Assert.StartsWith(Path.Combine(folder.Path, "b", IBlobStore.ReservedPrefix), Assert.Single(storage.Files));
        Assert.Equal(Path.Combine(folder.Path, "b"), storage.Folders[^1]);
    }

    /// <summary>Records what is flushed, and flushes it.</summary>
    private sealed class RecordingStorage : StableStorage
    {
        public List<string> Files { get; } = [];
        public List<string> Folders { get; } = [];

        public override void FlushFile(FileStream file)
        {
            Files.Add(file.Name);
            base.FlushFile(file);
        }

        public override void FlushDirectory(string path)
        {
            Folders.Add(path);
            base.FlushDirectory(path);
        }
    }

    private async Task<IBlobStore> NewStoreAsync(StoreKind kind) => (await NewStorePairAsync(kind)).Writable;

    /// <summary>A fresh store of the kind below a prefix, opened for writing and, on the same root, read-only.</summary>
    private async Task<(IBlobStore Writable, IBlobStore ReadOnly)> NewStorePairAsync(StoreKind kind)
    {
        switch (kind)
        {
            case StoreKind.Folder:
                var folder = new TempFolder();
                _folders.Add(folder);
                var root = Path.Combine(folder.Path, "blobs");
                return (new FolderBlobStore(root, writable: true, StableStorage.System), new FolderBlobStore(root, writable: false, StableStorage.System));
            case StoreKind.AzureBlob:
                var name = await services.NewContainerAsync();
                var container = new BlobContainerClient(services.AzuriteConnectionString, name);
                var azureErrors = new AzureBlobErrors($"az://{ObjectStoreServices.AzuriteAccount}/{name}/p", name, container.Uri);
                return (new AzureBlobStore(container, "p/", azureErrors, "az-test", writable: true),
                    new AzureBlobStore(container, "p/", azureErrors, "az-test", writable: false));
            default:
                var bucket = await services.NewBucketAsync();
                var client = ObjectStoreServices.NewS3Client(services.S3Endpoint);
                var s3Errors = new S3Errors($"s3://{bucket}/p", bucket, services.S3Endpoint.ToString());
                return (new S3BlobStore(client, bucket, "p/", s3Errors, "s3-test", writable: true),
                    new S3BlobStore(client, bucket, "p/", s3Errors, "s3-test", writable: false));
        }
    }

    private static async Task PutAsync(IBlobStore store, string name, byte[] content)
    {
        await using var stream = await store.OpenWriteAsync(name, CancellationToken.None);
        // In pieces, as a snapshot file is written.
        for (var at = 0; at < content.Length; at += 65_536)
            await stream.WriteAsync(content.AsMemory(at, Math.Min(65_536, content.Length - at)));
    }

    private static async Task<byte[]> GetAsync(IBlobStore store, string name)
    {
        await using var stream = await store.OpenReadAsync(name, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
