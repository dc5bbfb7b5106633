using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace MongoBackup.Engine.Storage;

/// <summary>One S3 object written only under ETag conditions (PUT with If-None-Match / If-Match): the lease object of an S3 repository.</summary>
internal sealed class S3ConditionalObject(IAmazonS3 client, string bucket, string key, S3Errors errors, string displayName) : IConditionalObjectStore
{
    public string DisplayName => displayName;

    public Task<string?> TryCreateAsync(string content, CancellationToken ct) => PutAsync(content, r => r.IfNoneMatch = "*", ct);

    public Task<string?> TryReplaceAsync(string content, string etag, CancellationToken ct) => PutAsync(content, r => r.IfMatch = etag, ct);

    public async Task<StoredObject?> ReadAsync(CancellationToken ct)
    {
        try
        {
            using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream);
            return new StoredObject(await reader.ReadToEndAsync(ct).ConfigureAwait(false), response.ETag);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw errors.Translate(e, key);
        }
    }

    /// <summary>
    /// A PUT refused because its condition did not hold: 412 PreconditionFailed; 409 ConditionalRequestConflict when
    /// another conditional write to the key was in flight; 404 NoSuchKey for If-Match on a removed object.
    /// </summary>
    public static bool IsConditionRefused(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict || e.ErrorCode == "NoSuchKey";

    private async Task<string?> PutAsync(string content, Action<PutObjectRequest> condition, CancellationToken ct)
    {
        var request = new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = content, ContentType = "application/json", UseChunkEncoding = false };
        condition(request);
        try
        {
            return (await client.PutObjectAsync(request, ct).ConfigureAwait(false)).ETag;
        }
        catch (AmazonS3Exception e) when (IsConditionRefused(e))
        {
            return null;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw errors.Translate(e, key);
        }
    }
}
