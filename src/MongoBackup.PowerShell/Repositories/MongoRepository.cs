using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>
/// A repository as New-MongoRepository describes it: where (a folder, an Azure container, an S3 bucket) and how
/// to sign in. Shown and formatted by its <see cref="Location"/>, which never holds a secret; the secrets stay inside.
/// </summary>
public sealed class MongoRepository
{
    internal MongoRepository(RepositoryLocation location, RepositoryOptions options, string authentication)
    {
        ParsedLocation = location;
        Options = options;
        Authentication = authentication;
    }

    /// <summary>Folder, AzureBlob or S3.</summary>
    public string Kind => ParsedLocation.Kind.ToString();

    /// <summary>The path, az://ACCOUNT/CONTAINER/PREFIX or s3://BUCKET/PREFIX.</summary>
    public string Location => ParsedLocation.ToString();

    /// <summary>How the store is signed in to, by name only (e.g. "SAS token", "managed identity").</summary>
    public string Authentication { get; }

    internal RepositoryLocation ParsedLocation { get; }
    internal RepositoryOptions Options { get; }

    public override string ToString() => Location;
}
