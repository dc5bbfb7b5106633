using Amazon.S3;
using Amazon.S3.Model;
using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Proves an S3 store honours conditional PUTs before a lease relies on them. AWS S3 does; some S3-compatible stores
/// accept If-None-Match and If-Match and ignore them, and a lease there would let two runs in at once without any
/// error. The probe writes a fresh object, then writes it again under If-None-Match: * and under an If-Match that
/// cannot hold: both must be refused. The probe object is removed afterwards.
/// </summary>
internal sealed class S3ConditionalWriteProbe(IAmazonS3 client, string bucket, string probeKey, S3Errors errors, string endpoint, string location)
{
    /// <summary>An ETag no object has (S3 ETags are hex digests).</summary>
    private const string ImpossibleETag = "\"not-an-etag-of-any-object\"";

    public async Task EnsureSupportedAsync(CancellationToken ct)
    {
        var probe = new S3ConditionalObject(client, bucket, probeKey, errors, $"{location} (probe)");
        try
        {
            if (await probe.TryCreateAsync("probe 1", ct).ConfigureAwait(false) is null)
                throw Unsupported("it refused to create a new object under If-None-Match: *");
            if (await probe.TryCreateAsync("probe 2", ct).ConfigureAwait(false) is not null)
                throw Unsupported("it overwrote an existing object despite If-None-Match: *");
            if (await probe.TryReplaceAsync("probe 3", ImpossibleETag, ct).ConfigureAwait(false) is not null)
                throw Unsupported("it overwrote an object despite an If-Match ETag that did not match");
        }
        finally
        {
            await errors.Run(() => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = probeKey }, CancellationToken.None), probeKey)
                .ConfigureAwait(false);
        }
    }

    private MongoBackupException Unsupported(string what) =>
        new(ErrorIds.LeaseNotSupported,
            $"The S3 store at {endpoint} (bucket '{bucket}') does not honour conditional writes: {what}. A lease on the repository {location} " +
            "would then not keep two runs apart, so none is taken. Use a store that honours If-None-Match and If-Match on PUT (as AWS S3 does), " +
            "a folder or Azure Blob repository, or schedule Backup-MongoDatabase and Backup-MongoOplog directly instead of Invoke-MongoBackupPolicy.",
            target: location);
}
