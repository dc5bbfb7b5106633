using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MongoBackup.Engine.Storage;

/// <summary>One blob written only under ETag conditions (Put Blob with If-None-Match / If-Match): the lease object of an Azure Blob repository.</summary>
internal sealed class AzureConditionalBlob(BlobClient blob, AzureBlobErrors errors, string displayName) : IConditionalObjectStore
{
    public string DisplayName => displayName;

    public Task<string?> TryCreateAsync(string content, CancellationToken ct) =>
        PutAsync(content, new BlobRequestConditions { IfNoneMatch = ETag.All }, ct);

    public Task<string?> TryReplaceAsync(string content, string etag, CancellationToken ct) =>
        PutAsync(content, new BlobRequestConditions { IfMatch = new ETag(etag) }, ct);

    public async Task<StoredObject?> ReadAsync(CancellationToken ct)
    {
        try
        {
            var response = await blob.DownloadContentAsync(ct).ConfigureAwait(false);
            return new StoredObject(response.Value.Content.ToString(), response.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
        catch (Exception e) when (AzureBlobErrors.IsStoreFailure(e))
        {
            throw errors.Translate(e, blob.Name);
        }
    }

    private async Task<string?> PutAsync(string content, BlobRequestConditions conditions, CancellationToken ct)
    {
        try
        {
            // A single Put Blob (the content is far below the single-upload limit), so the condition covers the whole write.
            var response = await blob.UploadAsync(BinaryData.FromString(content), new BlobUploadOptions { Conditions = conditions }, ct)
                .ConfigureAwait(false);
            return response.Value.ETag.ToString();
        }
        // If-None-Match on an existing blob answers 409 BlobAlreadyExists; If-Match that no longer holds, 412; If-Match on a removed blob, 404.
        catch (RequestFailedException e) when (e.Status is 409 or 412 || (e.Status == 404 && e.ErrorCode == BlobErrorCode.BlobNotFound))
        {
            return null;
        }
        catch (Exception e) when (AzureBlobErrors.IsStoreFailure(e))
        {
            throw errors.Translate(e, blob.Name);
        }
    }
}
