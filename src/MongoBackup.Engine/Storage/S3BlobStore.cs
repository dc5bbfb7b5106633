using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Blobs in an S3 bucket below a prefix: the name "a/b" is the object PREFIX/a/b. Streams go up as multipart uploads
/// (<see cref="S3UploadStream"/>, completed when closed) and down as GetObject streams; conditional writes are PUTs with
/// If-None-Match / If-Match (see <see cref="S3ConditionalObject"/>), which AWS S3 honours and some S3-compatible stores
/// ignore (a lease proves them first, see the repository's conditional-write probe).
/// </summary>
/// <param name="client">The S3 client, signed in to.</param>
/// <param name="bucket">The bucket.</param>
/// <param name="errors">Turns the SDK's failures into errors naming the location.</param>
/// <param name="location">The root as shown to users.</param>
/// <param name="writable">False opens it read-only.</param>
/// <param name="root">The prefix every name is below, with its trailing '/' (or empty for the bucket's root).</param>
internal sealed class S3BlobStore(IAmazonS3 client, string bucket, string root, S3Errors errors, string location, bool writable) : ObjectBlobStore(root, location, writable)
{
    public override Task<Stream> OpenWriteAsync(string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<Stream>(new S3UploadStream(client, bucket, WritableKey(name), errors, ct));
    }

    public override async Task<Stream> OpenReadAsync(string name, CancellationToken ct)
    {
        var key = Key(name);
        try
        {
            var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            throw new FileNotFoundException($"'{location}' has no blob '{name}'.", name, e);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw errors.Translate(e, key);
        }
    }

    public override Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct) =>
        errors.Run<IReadOnlyList<string>>(async () =>
        {
            var names = new List<string>();
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = Root + prefix, ContinuationToken = token }, ct)
                    .ConfigureAwait(false);
                names.AddRange((page.S3Objects ?? []).Select(o => o.Key[Root.Length..]).Where(n => !BlobNames.IsReserved(n)));
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            } while (token is not null);
            names.Sort(StringComparer.Ordinal);
            return names;
        }, prefix.Length == 0 ? null : Root + prefix);

    public override Task DeleteAsync(string name, CancellationToken ct)
    {
        var key = WritableKey(name);
        // S3 answers a delete of a missing key with success: removing what is not there is not an error here either.
        return errors.Run(() => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, ct), key);
    }

    protected override IConditionalObjectStore Conditional(string key, string displayName) => new S3ConditionalObject(client, bucket, key, errors, displayName);
}
