namespace MongoBackup.Engine.Storage;

/// <summary>
/// What Azure Blob Storage and S3 stores do alike: names are keys below a root prefix, a store opened read-only refuses
/// writes before calling the service, and small blobs are read and written under ETag conditions through the store's
/// <see cref="IConditionalObjectStore"/>.
/// </summary>
/// <param name="root">The prefix every name is below, with its trailing '/' (or empty for the container's or bucket's root).</param>
/// <param name="location">The root as shown to users.</param>
/// <param name="writable">False opens it read-only.</param>
internal abstract class ObjectBlobStore(string root, string location, bool writable) : IBlobStore
{
    public string Location => location;

    public bool IsWritable => writable;

    public abstract Task<Stream> OpenWriteAsync(string name, CancellationToken ct);

    public abstract Task<Stream> OpenReadAsync(string name, CancellationToken ct);

    public abstract Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct);

    public abstract Task DeleteAsync(string name, CancellationToken ct);

    public Task<StoredObject?> ReadAsync(string name, CancellationToken ct) => Conditional(Key(name), $"{location}/{name}").ReadAsync(ct);

    public Task<string?> TryCreateAsync(string name, string content, CancellationToken ct) =>
        Conditional(WritableKey(name), $"{location}/{name}").TryCreateAsync(content, ct);

    public Task<string?> TryReplaceAsync(string name, string content, string etag, CancellationToken ct) =>
        Conditional(WritableKey(name), $"{location}/{name}").TryReplaceAsync(content, etag, ct);

    /// <summary>The object <paramref name="key"/> under ETag conditions (If-None-Match / If-Match), named in messages as <paramref name="displayName"/>.</summary>
    protected abstract IConditionalObjectStore Conditional(string key, string displayName);

    /// <summary>The root prefix, with its trailing '/'.</summary>
    protected string Root => root;

    /// <summary>The key of a name: the root prefix, then the name.</summary>
    /// <exception cref="ArgumentException">The name is not one (see <see cref="BlobNames.Require"/>).</exception>
    protected string Key(string name) => root + BlobNames.Require(name);

    /// <summary>The key of a name to be written; refused when the store is read-only.</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when the store was opened read-only.</exception>
    protected string WritableKey(string name) => writable ? Key(name) : throw BlobNames.ReadOnly(location, name);
}
