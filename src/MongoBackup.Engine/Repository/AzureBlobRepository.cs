using Azure;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots kept in an Azure Blob Storage container: snapshot &lt;id&gt; is the blobs PREFIX/&lt;id&gt;/..., in the
/// mongodump layout, plus PREFIX/&lt;id&gt;/manifest.json uploaded last. Files stream straight into block uploads and
/// out of ranged reads; nothing is staged on local disk.
/// </summary>
public sealed class AzureBlobRepository : BlobStoreRepository
{
    private readonly BlobContainerClient _container;
    private readonly AzureBlobErrors _errors;

    private AzureBlobRepository(RepositoryLocation location, BlobContainerClient container, AzureBlobErrors errors)
        : base(location, new AzureBlobStore(container, new SnapshotBlobLayout(location).Root, errors, location.ToString(), writable: true))
    {
        _container = container;
        _errors = errors;
    }

    /// <summary>Connects and proves the container can be listed: wrong credentials, a missing container or an unreachable endpoint fail here, clearly.</summary>
    /// <exception cref="MongoBackupException">InvalidArgument (a bad connection string or key), RepositoryAccessDenied, RepositoryNotFound, RepositoryUnavailable.</exception>
    public static async Task<AzureBlobRepository> OpenAsync(RepositoryLocation location, RepositoryOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        if (location.Kind != RepositoryKind.AzureBlob)
            throw new ArgumentException($"'{location}' is not an Azure Blob Storage location.", nameof(location));
        var container = CreateContainerClient(location, options);
        var repository = new AzureBlobRepository(location, container, new AzureBlobErrors(location.ToString(), location.Container!, container.Uri));
        await repository.ProbeAsync(ct).ConfigureAwait(false);
        return repository;
    }

    private async Task ProbeAsync(CancellationToken ct) =>
        await _errors.Run(async () =>
        {
            await foreach (var _ in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", Layout.Root, ct)
                               .AsPages(pageSizeHint: 1).ConfigureAwait(false))
                break;
            return true;
        }, null).ConfigureAwait(false);

    /// <summary>A delimited listing: one entry per snapshot "folder", not one per blob (Azure reports every common prefix).</summary>
    private protected override Task<List<string>> ListSnapshotIdsAsync(CancellationToken ct) =>
        _errors.Run(async () =>
        {
            var ids = new List<string>();
            await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", Layout.Root, ct).ConfigureAwait(false))
                if (item.IsPrefix)
                    ids.Add(Layout.IdOfFolder(item.Prefix));
            return ids;
        }, null);

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
