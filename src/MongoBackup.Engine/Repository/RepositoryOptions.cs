namespace MongoBackup.Engine.Repository;

/// <summary>
/// The settings and secrets that go with a <see cref="RepositoryLocation"/>. The secrets here are never shown:
/// not in a location, a message, a manifest or <see cref="ToString"/>.
/// </summary>
public sealed record RepositoryOptions
{
    /// <summary>No secrets and no endpoint: default credentials and the public endpoints.</summary>
    public static readonly RepositoryOptions None = new();

    // Azure Blob Storage: at most one of the four ways to sign in.
    /// <summary>A storage connection string (it names its own endpoint).</summary>
    public string? AzureConnectionString { get; init; }
    /// <summary>A SAS token (with or without the leading '?').</summary>
    public string? AzureSasToken { get; init; }
    /// <summary>The storage account's shared key.</summary>
    public string? AzureAccountKey { get; init; }
    /// <summary>DefaultAzureCredential: managed identity in Azure Automation, environment, Azure CLI... Also used when no other way is given.</summary>
    public bool UseDefaultAzureCredential { get; init; }
    /// <summary>The blob service endpoint, for Azurite or sovereign clouds (e.g. http://127.0.0.1:10000/devstoreaccount1); default https://ACCOUNT.blob.core.windows.net.</summary>
    public Uri? AzureEndpoint { get; init; }

    // S3 and S3-compatible stores.
    /// <summary>The AWS region (e.g. eu-west-1); for a custom endpoint, the region it signs for (default us-east-1).</summary>
    public string? S3Region { get; init; }
    /// <summary>An S3-compatible service's URL (MinIO, Ceph, Wasabi...); default AWS.</summary>
    public Uri? S3Endpoint { get; init; }
    /// <summary>Address buckets as ENDPOINT/BUCKET rather than BUCKET.ENDPOINT (most S3-compatible stores need it).</summary>
    public bool S3ForcePathStyle { get; init; }
    /// <summary>Access key id; with <see cref="S3SecretKey"/>. Without both, the default AWS credential chain is used.</summary>
    public string? S3AccessKey { get; init; }
    /// <summary>Secret access key; with <see cref="S3AccessKey"/>. Never shown.</summary>
    public string? S3SecretKey { get; init; }

    /// <summary>Network retries per request before a store is declared unreachable.</summary>
    public int MaxRetries { get; init; } = 3;

    // Records print every property; this one must not.
    /// <inheritdoc/>
    public override string ToString() =>
        $"RepositoryOptions {{ Azure: {AzureAuthentication}, AzureEndpoint: {AzureEndpoint}, S3Region: {S3Region}, S3Endpoint: {S3Endpoint}, S3ForcePathStyle: {S3ForcePathStyle}, S3: {(S3AccessKey is null ? "default credential chain" : "access key")} }}";

    /// <summary>How Azure will be signed in to, by name only.</summary>
    public string AzureAuthentication =>
        AzureConnectionString is not null ? "connection string"
        : AzureSasToken is not null ? "SAS token"
        : AzureAccountKey is not null ? "account key"
        : "DefaultAzureCredential";
}
