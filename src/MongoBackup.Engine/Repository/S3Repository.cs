using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Snapshots kept in an S3 bucket (AWS or an S3-compatible store): snapshot &lt;id&gt; is the objects
/// PREFIX/&lt;id&gt;/..., in the mongodump layout, plus PREFIX/&lt;id&gt;/manifest.json put last. Files stream up as
/// multipart uploads and down as GetObject streams; nothing is staged on local disk.
/// </summary>
public sealed class S3Repository : BlobStoreRepository, IDisposable
{
    /// <summary>Name of the object that proves conditional writes work; random per probe, removed after.</summary>
    private const string ProbeObjectPrefix = ".mongobackup-lease-probe-";

    private readonly IAmazonS3 _client;
    private readonly S3Errors _errors;
    private readonly string _endpoint;
    // Set once the store has shown it honours conditional writes; checked again only by a new repository object.
    private volatile bool _conditionalWritesProven;

    private S3Repository(RepositoryLocation location, IAmazonS3 client, string endpoint, S3Errors errors)
        : base(location, new S3BlobStore(client, location.Container!, new SnapshotBlobLayout(location).Root, errors, location.ToString(), writable: true))
    {
        _client = client;
        _endpoint = endpoint;
        _errors = errors;
    }

    private string Bucket => ParsedLocation.Container!;

    /// <summary>Connects and proves the bucket can be listed: wrong credentials, a missing bucket or an unreachable endpoint fail here, clearly.</summary>
    /// <exception cref="MongoBackupException">InvalidArgument (half a key pair, no region), RepositoryAccessDenied, RepositoryNotFound, RepositoryUnavailable.</exception>
    public static async Task<S3Repository> OpenAsync(RepositoryLocation location, RepositoryOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        if (location.Kind != RepositoryKind.S3)
            throw new ArgumentException($"'{location}' is not an S3 location.", nameof(location));
        var (client, endpoint) = CreateClient(location, options);
        var repository = new S3Repository(location, client, endpoint, new S3Errors(location.ToString(), location.Container!, endpoint));
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

    /// <summary>Proves once that the store honours conditional PUTs (see <see cref="S3ConditionalWriteProbe"/>), then takes the lease as every object store does.</summary>
    /// <exception cref="MongoBackupException">LeaseNotSupported when the store ignores conditional writes; the store's translated failures.</exception>
    public override async Task<LeaseAttempt> TryAcquireLeaseAsync(string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        if (!_conditionalWritesProven)
        {
            var probeKey = Layout.Root + ProbeObjectPrefix + Guid.NewGuid().ToString("N");
            await new S3ConditionalWriteProbe(_client, Bucket, probeKey, _errors, _endpoint, Location).EnsureSupportedAsync(ct).ConfigureAwait(false);
            _conditionalWritesProven = true;
        }
        return await base.TryAcquireLeaseAsync(holderId, duration, clock, ct).ConfigureAwait(false);
    }

    /// <summary>Closes the S3 client.</summary>
    public void Dispose() => _client.Dispose();

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
