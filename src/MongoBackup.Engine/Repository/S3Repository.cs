using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots kept in an S3 bucket (AWS or an S3-compatible store): snapshot &lt;id&gt; is the objects
/// PREFIX/&lt;id&gt;/..., in the mongodump layout, plus PREFIX/&lt;id&gt;/manifest.json put last. Files stream up as
/// multipart uploads and down as GetObject streams; nothing is staged on local disk.
/// </summary>
public sealed class S3Repository : ObjectStoreRepository, IDisposable
{
    /// <summary>Name of the object that proves conditional writes work; random per probe, removed after.</summary>
    private const string ProbeObjectPrefix = ".mongobackup-lease-probe-";

    private readonly IAmazonS3 _client;
    private readonly S3Errors _errors;
    private readonly string _endpoint;
    // Set once the store has shown it honours conditional writes; checked again only by a new repository object.
    private volatile bool _conditionalWritesProven;

    private S3Repository(RepositoryLocation location, IAmazonS3 client, string endpoint) : base(location)
    {
        _client = client;
        _endpoint = endpoint;
        _errors = new S3Errors(location, endpoint);
    }

    private string Bucket => ParsedLocation.Container!;

    /// <summary>Connects and proves the bucket can be listed: wrong credentials, a missing bucket or an unreachable endpoint fail here, clearly.</summary>
    public static async Task<S3Repository> OpenAsync(RepositoryLocation location, RepositoryOptions options, CancellationToken ct)
    {
        if (location.Kind != RepositoryKind.S3)
            throw new ArgumentException($"'{location}' is not an S3 location.", nameof(location));
        var (client, endpoint) = CreateClient(location, options);
        var repository = new S3Repository(location, client, endpoint);
        try
        {
            await repository._errors.Run(() => client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = location.Container, Prefix = repository.Layout.Root, MaxKeys = 1,
            }, ct), null).ConfigureAwait(false);
        }
        catch
        {
            repository.Dispose();
            throw;
        }
        return repository;
    }

    public override Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var key = Layout.FileKey(snapshotId, relativePath);
        return Task.FromResult(new SnapshotFileWriter(new S3UploadStream(_client, Bucket, key, _errors, ct), relativePath));
    }

    public override async Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        var key = Layout.FileKey(snapshotId, relativePath);
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            throw new FileNotFoundException($"Snapshot '{snapshotId}' in '{Location}' has no file '{relativePath}'.", relativePath, e);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw _errors.Translate(e, key);
        }
    }

    public override async Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var key = Layout.ManifestKey(manifest.Id);
        // One PUT: the manifest appears whole or not at all, and only after every file it lists.
        await _errors.Run(() => _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket, Key = key, ContentBody = manifest.Serialize(), ContentType = "application/json", UseChunkEncoding = false,
        }, ct), key).ConfigureAwait(false);
    }

    public override async Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        if (!_conditionalWritesProven)
        {
            var probeKey = Layout.Root + ProbeObjectPrefix + Guid.NewGuid().ToString("N");
            await new S3ConditionalWriteProbe(_client, Bucket, probeKey, _errors, _endpoint, Location).EnsureSupportedAsync(ct).ConfigureAwait(false);
            _conditionalWritesProven = true;
        }
        var leaseKey = Layout.Root + ConditionalObjectLease.ObjectName;
        var lease = new S3ConditionalObject(_client, Bucket, leaseKey, _errors, $"{Location}/{ConditionalObjectLease.ObjectName}");
        return await ConditionalObjectLease.TryAcquireAsync(lease, holderId, duration, clock, ct).ConfigureAwait(false);
    }

    private protected override IConditionalObjectStore ConditionalObject(string key, string displayName) =>
        new S3ConditionalObject(_client, Bucket, key, _errors, displayName);

    public void Dispose() => _client.Dispose();

    private protected override Task DeleteObjectAsync(string key, CancellationToken ct) =>
        _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct);

    private protected override async Task<List<string>> ListSnapshotIdsAsync(CancellationToken ct)
    {
        // A full listing rather than Delimiter="/": some S3-compatible stores (s3rver among them) omit common
        // prefixes that hold no object directly, which would hide an upload cut off before its manifest.
        return (await ListNamesAsync(Layout.Root, ct).ConfigureAwait(false))
            .Select(Layout.IdOfKey).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }

    private protected override async Task<List<string>> ListNamesAsync(string prefix, CancellationToken ct)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, ContinuationToken = token }, ct)
                .ConfigureAwait(false);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return keys;
    }

    private protected override async Task<string?> ReadTextOrNullAsync(string key, CancellationToken ct)
    {
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream);
            return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw _errors.Translate(e, key);
        }
    }

    private protected override Task<T> TranslateFailuresAsync<T>(Func<Task<T>> operation, string? key) => _errors.Run(operation, key);

    private static (IAmazonS3 Client, string Endpoint) CreateClient(RepositoryLocation location, RepositoryOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.S3ForcePathStyle,
            MaxErrorRetry = options.MaxRetries,
            // We hash every file ourselves (SHA-256 in the manifest); the SDK's optional trailing checksums are not understood by every S3-compatible store.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        string endpoint;
        if (options.S3Endpoint is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = options.S3Region ?? "us-east-1";
            endpoint = url.GetLeftPart(UriPartial.Authority);
        }
        else
        {
            if (options.S3Region is { } region) config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            endpoint = $"AWS S3 ({options.S3Region ?? "default region"})";
        }

        if ((options.S3AccessKey is null) != (options.S3SecretKey is null))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The repository '{location}' needs both an access key and a secret key, or neither (to use the default AWS credential chain).",
                target: location.ToString());
        try
        {
            IAmazonS3 client = options.S3AccessKey is { } access
                ? new AmazonS3Client(new BasicAWSCredentials(access, options.S3SecretKey), config)
                : new AmazonS3Client(config);
            return (client, endpoint);
        }
        catch (AmazonClientException e)
        {
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The S3 client for the repository '{location}' cannot be set up (give a region or an endpoint URL): {e.Message}", e, location.ToString());
        }
    }
}
