using Azure;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots kept in an Azure Blob Storage container: snapshot &lt;id&gt; is the blobs PREFIX/&lt;id&gt;/..., in the
/// mongodump layout, plus PREFIX/&lt;id&gt;/manifest.json uploaded last. Files stream straight into block uploads and
/// out of ranged reads; nothing is staged on local disk.
/// </summary>
public sealed class AzureBlobRepository : ObjectStoreRepository
{
    /// <summary>Block size of uploads: large enough for throughput, small enough to bound memory per open file.</summary>
    private const int UploadBlockSize = 8 * 1024 * 1024;
    private const int ReadBufferSize = 4 * 1024 * 1024;

    private readonly BlobContainerClient _container;
    private readonly AzureBlobErrors _errors;

    private AzureBlobRepository(RepositoryLocation location, BlobContainerClient container) : base(location)
    {
        _container = container;
        _errors = new AzureBlobErrors(location, container.Uri);
    }

    /// <summary>Connects and proves the container can be listed: wrong credentials, a missing container or an unreachable endpoint fail here, clearly.</summary>
    public static async Task<AzureBlobRepository> OpenAsync(RepositoryLocation location, RepositoryOptions options, CancellationToken ct)
    {
        if (location.Kind != RepositoryKind.AzureBlob)
            throw new ArgumentException($"'{location}' is not an Azure Blob Storage location.", nameof(location));
        var repository = new AzureBlobRepository(location, CreateContainerClient(location, options));
        await repository.ProbeAsync(ct).ConfigureAwait(false);
        return repository;
    }

    public override async Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        var blob = _container.GetBlockBlobClient(Layout.FileKey(snapshotId, relativePath));
        var stream = await _errors.Run(() => blob.OpenWriteAsync(overwrite: true,
            new BlockBlobOpenWriteOptions { BufferSize = UploadBlockSize }, ct), relativePath).ConfigureAwait(false);
        return new SnapshotFileWriter(new ErrorTranslatingWriteStream(stream, e => AzureBlobErrors.IsStoreFailure(e) ? _errors.Translate(e, relativePath) : null), relativePath);
    }

    public override async Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        var blob = _container.GetBlobClient(Layout.FileKey(snapshotId, relativePath));
        try
        {
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferSize }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"Snapshot '{snapshotId}' in '{Location}' has no file '{relativePath}'.", relativePath, e);
        }
        catch (Exception e) when (AzureBlobErrors.IsStoreFailure(e))
        {
            throw _errors.Translate(e, relativePath);
        }
    }

    public override async Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var blob = _container.GetBlobClient(Layout.ManifestKey(manifest.Id));
        // One Put Blob: the manifest appears whole or not at all, and only after every file it lists.
        await _errors.Run(() => blob.UploadAsync(BinaryData.FromString(manifest.Serialize()), overwrite: true, ct), SnapshotManifest.FileName)
            .ConfigureAwait(false);
    }

    public override Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        var blob = _container.GetBlobClient(Layout.Root + ConditionalObjectLease.ObjectName);
        var lease = new AzureConditionalBlob(blob, _errors, $"{Location}/{ConditionalObjectLease.ObjectName}");
        return ConditionalObjectLease.TryAcquireAsync(lease, holderId, duration, clock, ct);
    }

    private protected override IConditionalObjectStore ConditionalObject(string key, string displayName) =>
        new AzureConditionalBlob(_container.GetBlobClient(key), _errors, displayName);

    private async Task ProbeAsync(CancellationToken ct) =>
        await _errors.Run(async () =>
        {
            await foreach (var _ in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", Layout.Root, ct)
                               .AsPages(pageSizeHint: 1).ConfigureAwait(false))
                break;
            return true;
        }, null).ConfigureAwait(false);

    private protected override async Task<List<string>> ListSnapshotIdsAsync(CancellationToken ct)
    {
        var parent = Layout.Root;
        var ids = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", parent, ct).ConfigureAwait(false))
            if (item.IsPrefix)
                ids.Add(Layout.IdOfFolder(item.Prefix));
        return ids;
    }

    private protected override async Task<List<string>> ListNamesAsync(string prefix, CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct).ConfigureAwait(false))
            names.Add(item.Name);
        return names;
    }

    private protected override Task DeleteObjectAsync(string name, CancellationToken ct) =>
        _container.DeleteBlobIfExistsAsync(name, cancellationToken: ct);

    private protected override async Task<string?> ReadTextOrNullAsync(string name, CancellationToken ct)
    {
        try
        {
            var content = await _container.GetBlobClient(name).DownloadContentAsync(ct).ConfigureAwait(false);
            return content.Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (AzureBlobErrors.IsStoreFailure(e))
        {
            throw _errors.Translate(e, name);
        }
    }

    private protected override Task<T> TranslateFailuresAsync<T>(Func<Task<T>> operation, string? name) => _errors.Run(operation, name);

    private static BlobContainerClient CreateContainerClient(RepositoryLocation location, RepositoryOptions options)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(100);

        if (options.AzureConnectionString is { } connectionString)
        {
            try { return new BlobServiceClient(connectionString, clientOptions).GetBlobContainerClient(location.Container); }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                // The parser's message may quote the string; say only what is wrong with it.
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"The Azure connection string for '{location}' is not valid (expected 'DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...' or 'BlobEndpoint=...;SharedAccessSignature=...').",
                    target: location.ToString());
            }
        }

        var endpoint = (options.AzureEndpoint?.ToString() ?? $"https://{location.Account}.blob.core.windows.net").TrimEnd('/');
        var containerUri = new Uri($"{endpoint}/{Uri.EscapeDataString(location.Container!)}");
        if (options.AzureSasToken is { } sas)
            return new BlobContainerClient(containerUri, new AzureSasCredential(sas.TrimStart('?')), clientOptions);
        if (options.AzureAccountKey is { } key)
        {
            try { return new BlobContainerClient(containerUri, new StorageSharedKeyCredential(location.Account, key), clientOptions); }
            catch (FormatException)
            {
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"The account key for '{location}' is not valid base64.", target: location.ToString());
            }
        }
        return new BlobContainerClient(containerUri, new DefaultAzureCredential(), clientOptions);
    }
}
