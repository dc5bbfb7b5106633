using Amazon.S3;
using Amazon.S3.Model;
using Azure.Storage.Blobs;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository.ObjectStores;

/// <summary>The three repository kinds the contract and end-to-end tests run over.</summary>
public enum StoreKind { Folder, AzureBlob, S3 }

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
        var azurite = NodeServiceProcess.StartAsync("azurite-blob", "azurite/dist/src/blob/main.js",
            ["--blobHost", "127.0.0.1", "--blobPort", "{port}", "--silent", "--inMemoryPersistence", "--extentMemoryLimit", "512",
             // The SDK may speak a newer REST version than this Azurite knows; the calls we make are unchanged.
             "--skipApiVersionCheck"]);
        var s3 = NodeServiceProcess.StartAsync("s3rver", "s3rver/bin/s3rver.js",
            ["--address", "127.0.0.1", "--port", "{port}", "--directory", "{data}", "--silent", "--configure-bucket", "ready"],
            // s3rver signs list continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
            ["--openssl-legacy-provider"]);
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

    public async Task<string> NewBucketAsync()
    {
        var name = "b" + Guid.NewGuid().ToString("N")[..20];
        using var client = new AmazonS3Client(S3AccessKey, S3SecretKey, new AmazonS3Config { ServiceURL = S3Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }
}
