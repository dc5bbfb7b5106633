using Amazon.S3.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// An S3-compatible store that accepts conditional PUTs but ignores them (plain s3rver does, like some real stores)
/// would let two runs hold a lease at once without any error. The S3 lease probes the store first and refuses.
/// </summary>
public sealed class S3LeaseProbeTests
{
    [Fact]
    public async Task A_store_that_ignores_conditional_writes_is_refused_with_LeaseNotSupported_naming_the_bucket_and_leaves_nothing_behind()
    {
        using var plain = await ObjectStoreServices.StartS3Async(S3Launcher.Plain);
        var endpoint = new Uri($"http://127.0.0.1:{plain.Port}");
        var options = new RepositoryOptions
        {
            S3Endpoint = endpoint, S3ForcePathStyle = true, MaxRetries = 0,
            S3AccessKey = ObjectStoreServices.S3AccessKey, S3SecretKey = ObjectStoreServices.S3SecretKey,
        };
        var repository = await RepositoryFactory.OpenAsync("s3://ready/backups/prod", options, CancellationToken.None);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            RepositoryLeases.TryAcquireAsync(repository, "nightly", TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.Equal(ErrorIds.LeaseNotSupported, error.ErrorId);
        Assert.Contains("bucket 'ready'", error.Message);
        Assert.Contains(endpoint.GetLeftPart(UriPartial.Authority), error.Message);
        Assert.Contains("If-None-Match", error.Message);
        Assert.DoesNotContain(ObjectStoreServices.S3SecretKey, error.Message);
        Assert.Equal("s3://ready/backups/prod", error.Target);

        using var client = ObjectStoreServices.NewS3Client(endpoint);
        var left = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "ready" });
        Assert.Empty(left.S3Objects ?? []);
    }
}
