using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Blobs in an Azure Blob Storage container below a prefix: the name "a/b" is the block blob PREFIX/a/b. Streams go
/// straight into block uploads (committed when closed) and out of ranged reads; conditional writes are single Put Blob
/// calls with If-None-Match / If-Match (see <see cref="AzureConditionalBlob"/>).
/// </summary>
/// <param name="container">The container, signed in to.</param>
/// <param name="errors">Turns the SDK's failures into errors naming the location.</param>
/// <param name="location">The root as shown to users.</param>
/// <param name="writable">False opens it read-only.</param>
/// <param name="root">The prefix every name is below, with its trailing '/' (or empty for the container's root).</param>
internal sealed class AzureBlobStore(BlobContainerClient container, string root, AzureBlobErrors errors, string location, bool writable) : ObjectBlobStore(root, location, writable)
{
    /// <summary>Block size of uploads: large enough for throughput, small enough to bound memory per open blob.</summary>
    private const int UploadBlockSize = 8 * 1024 * 1024;
    private const int ReadBufferSize = 4 * 1024 * 1024;

    public override async Task<Stream> OpenWriteAsync(string name, CancellationToken ct)
    {
        var blob = container.GetBlockBlobClient(WritableKey(name));
        var stream = await errors.Run(() => blob.OpenWriteAsync(overwrite: true,
            new BlockBlobOpenWriteOptions { BufferSize = UploadBlockSize }, ct), name).ConfigureAwait(false);
        return new ErrorTranslatingWriteStream(stream, e => AzureBlobErrors.IsStoreFailure(e) ? errors.Translate(e, name) : null);
    }

    public override async Task<Stream> OpenReadAsync(string name, CancellationToken ct)
    {
        var blob = container.GetBlobClient(Key(name));
        try
        {
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferSize }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode != BlobErrorCode.ContainerNotFound)
        {
            throw new FileNotFoundException($"'{location}' has no blob '{name}'.", name, e);
        }
        catch (Exception e) when (AzureBlobErrors.IsStoreFailure(e))
        {
            throw errors.Translate(e, name);
        }
    }

    public override Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct) =>
        errors.Run<IReadOnlyList<string>>(async () =>
        {
            var names = new List<string>();
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Root + prefix, ct).ConfigureAwait(false))
            {
                var name = item.Name[Root.Length..];
                if (!BlobNames.IsReserved(name)) names.Add(name);
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }, prefix.Length == 0 ? null : prefix);

    public override Task DeleteAsync(string name, CancellationToken ct)
    {
        var key = WritableKey(name);
        return errors.Run(() => container.DeleteBlobIfExistsAsync(key, cancellationToken: ct), name);
    }

    protected override IConditionalObjectStore Conditional(string key, string displayName) => new AzureConditionalBlob(container.GetBlobClient(key), errors, displayName);
}
