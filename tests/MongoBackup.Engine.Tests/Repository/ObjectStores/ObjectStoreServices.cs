using Amazon.S3;
using Amazon.S3.Model;
using Azure.Storage.Blobs;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository.ObjectStores;

/// <summary>The three repository kinds the contract and end-to-end tests run over.</summary>
public enum StoreKind { Folder, AzureBlob, S3 }

/// <summary>Which s3rver to start: with AWS's conditional PUTs (tests/services/s3-server.js), or as published.</summary>
public enum S3Launcher { WithConditionalWrites, Plain }

/// <summary>
/// Azurite (Azure Blob Storage) and s3rver (S3) running locally for a test class, and fresh, empty repositories
/// of each kind on them: every call gets its own container or bucket, so tests never see each other's snapshots.
/// </summary>
public sealed class ObjectStoreServices : IAsyncLifetime
{
    /// <summary>Azurite's documented development account; public, not a secret.</summary>
    public const string AzuriteAccount = "devstoreaccount1";
    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    /// <summary>s3rver's built-in account.</summary>
    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";

    private readonly List<IDisposable> _owned = [];
    private NodeServiceProcess? _azurite;
    private NodeServiceProcess? _s3;

    public static TheoryData<StoreKind> AllKinds => [StoreKind.Folder, StoreKind.AzureBlob, StoreKind.S3];

    public Uri AzuriteEndpoint => new($"http://127.0.0.1:{_azurite!.Port}/{AzuriteAccount}");
    public string AzuriteConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AzuriteAccount};AccountKey={AzuriteKey};BlobEndpoint={AzuriteEndpoint};";
    public Uri S3Endpoint => new($"http://127.0.0.1:{_s3!.Port}");

    public async Task InitializeAsync()
    {
        // Both at once: each takes a few seconds to start.
        var azurite = NodeServiceProcess.StartAsync("azurite-blob", "node_modules/azurite/dist/src/blob/main.js",
            ["--blobHost", "127.0.0.1", "--blobPort", "{port}", "--silent", "--inMemoryPersistence", "--extentMemoryLimit", "512",
             // The SDK may speak a newer REST version than this Azurite knows; the calls we make are unchanged.
             "--skipApiVersionCheck"]);
        var s3 = StartS3Async(S3Launcher.WithConditionalWrites);
        try
        {
            _azurite = await azurite;
            _s3 = await s3;
        }
        catch
        {
            _azurite = _s3 = null;
            foreach (var starting in new[] { azurite, s3 })
            {
                try { (await starting).Dispose(); }
                catch (Exception) { /* this one failed to start; the first failure is the one reported */ }
            }
            throw;
        }
    }

    /// <summary>
    /// Starts s3rver on a free port with the bucket "ready". <see cref="S3Launcher.WithConditionalWrites"/> is
    /// tests/services/s3-server.js, which gives PUT Object AWS's If-None-Match and If-Match behaviour (the lease needs it);
    /// <see cref="S3Launcher.Plain"/> is s3rver as published, which ignores both (as some S3-compatible stores do).
    /// </summary>
    public static Task<NodeServiceProcess> StartS3Async(S3Launcher launcher) =>
        NodeServiceProcess.StartAsync(launcher == S3Launcher.Plain ? "s3rver-plain" : "s3rver",
            launcher == S3Launcher.Plain ? "node_modules/s3rver/bin/s3rver.js" : "s3-server.js",
            ["--address", "127.0.0.1", "--port", "{port}", "--directory", "{data}", "--silent", "--configure-bucket", "ready"],
            // s3rver signs list continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
            ["--openssl-legacy-provider"]);

    public Task DisposeAsync()
    {
        foreach (var owned in _owned) owned.Dispose();
        _azurite?.Dispose();
        _s3?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A fresh, empty repository of the kind; its location keeps a prefix so prefixes are exercised too.</summary>
    public async Task<ISnapshotRepository> NewRepositoryAsync(StoreKind kind)
    {
        switch (kind)
        {
            case StoreKind.Folder:
                var folder = new Integration.TempFolder();
                lock (_owned) _owned.Add(folder);
                return new FolderRepository(folder.Path);
            case StoreKind.AzureBlob:
                var container = await NewContainerAsync();
                return await RepositoryFactory.OpenAsync($"az://{AzuriteAccount}/{container}/backups/prod", AzureOptions(), CancellationToken.None);
            default:
                var bucket = await NewBucketAsync();
                return await RepositoryFactory.OpenAsync($"s3://{bucket}/backups/prod", S3Options(), CancellationToken.None);
        }
    }

    /// <summary>The same repository opened anew from its location, as a later command would.</summary>
    public async Task<ISnapshotRepository> ReopenAsync(ISnapshotRepository repository, StoreKind kind) => kind switch
    {
        StoreKind.Folder => new FolderRepository(repository.Location),
        StoreKind.AzureBlob => await RepositoryFactory.OpenAsync(repository.Location, AzureOptions(), CancellationToken.None),
        _ => await RepositoryFactory.OpenAsync(repository.Location, S3Options(), CancellationToken.None),
    };

    public RepositoryOptions AzureOptions() => new() { AzureAccountKey = AzuriteKey, AzureEndpoint = AzuriteEndpoint, MaxRetries = 0 };

    public RepositoryOptions S3Options() => new()
    {
        S3Endpoint = S3Endpoint, S3ForcePathStyle = true, S3AccessKey = S3AccessKey, S3SecretKey = S3SecretKey, MaxRetries = 0,
    };

    public async Task<string> NewContainerAsync()
    {
        var name = "c" + Guid.NewGuid().ToString("N");
        await new BlobContainerClient(AzuriteConnectionString, name).CreateAsync();
        return name;
    }

    /// <summary>
    /// Writes an object straight into the store, beside the repository's snapshots (PREFIX/name), as something
    /// else than MongoBackup might: a damaged lease, a file left by hand.
    /// </summary>
    public async Task WriteRawAsync(ISnapshotRepository repository, StoreKind kind, string name, string text)
    {
        var location = RepositoryLocation.Parse(repository.Location);
        var key = location.Prefix.Length == 0 ? name : $"{location.Prefix}/{name}";
        switch (kind)
        {
            case StoreKind.Folder:
                await File.WriteAllTextAsync(Path.Combine(repository.Location, name), text);
                break;
            case StoreKind.AzureBlob:
                await new BlobContainerClient(AzuriteConnectionString, location.Container).GetBlobClient(key).UploadAsync(BinaryData.FromString(text), overwrite: true);
                break;
            default:
                using (var client = NewS3Client(S3Endpoint))
                    await client.PutObjectAsync(new PutObjectRequest { BucketName = location.Container, Key = key, ContentBody = text, UseChunkEncoding = false });
                break;
        }
    }

    /// <summary>A client for s3rver's built-in account at <paramref name="endpoint"/>.</summary>
    public static AmazonS3Client NewS3Client(Uri endpoint) =>
        new(S3AccessKey, S3SecretKey, new AmazonS3Config { ServiceURL = endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    public async Task<string> NewBucketAsync()
    {
        var name = "b" + Guid.NewGuid().ToString("N")[..20];
        using var client = NewS3Client(S3Endpoint);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }
}
