namespace MongoBackup.Engine.Storage;

/// <summary>One blob of a store, read and written only under ETag conditions (a lease, the settings): <see cref="IConditionalObjectStore"/> over <see cref="IBlobStore"/>.</summary>
internal sealed class BlobConditionalObject(IBlobStore store, string name) : IConditionalObjectStore
{
    public string DisplayName => $"{store.Location}/{name}";

    public Task<string?> TryCreateAsync(string content, CancellationToken ct) => store.TryCreateAsync(name, content, ct);

    public Task<StoredObject?> ReadAsync(CancellationToken ct) => store.ReadAsync(name, ct);

    public Task<string?> TryReplaceAsync(string content, string etag, CancellationToken ct) => store.TryReplaceAsync(name, content, etag, ct);
}
